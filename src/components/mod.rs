pub mod footer;
pub mod header;
