//! Uploaded product images: the type is read from the bytes (never from the file name or the browser's
//! word), the size is capped, the picture's width and height come from its header, and the file is
//! stored under the media directory by the hash of its content — the same upload is one file, and a URL
//! never changes what it shows, so browsers may cache it for a year.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::AppError;

/// The largest image accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// The widest or tallest picture accepted, in pixels.
pub const MAX_SIDE: u32 = 8_000;

/// The picture formats the store takes, as their bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Webp,
}

impl ImageKind {
    pub const ALL: [ImageKind; 3] = [ImageKind::Png, ImageKind::Jpeg, ImageKind::Webp];

    /// The format whose signature `bytes` start with.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::Webp)
        } else {
            None
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    fn of_extension(extension: &str) -> Option<ImageKind> {
        ImageKind::ALL.into_iter().find(|kind| kind.extension() == extension)
    }

    /// Width and height from the picture's header; None when the header is cut short or malformed.
    pub fn dimensions(self, bytes: &[u8]) -> Option<(u32, u32)> {
        match self {
            ImageKind::Png => png_size(bytes),
            ImageKind::Jpeg => jpeg_size(bytes),
            ImageKind::Webp => webp_size(bytes),
        }
    }
}

fn be16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

fn le16(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?)))
}

fn le24(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at + 3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

/// PNG: the IHDR chunk comes first, width and height as big-endian u32 at bytes 16 and 20.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let height = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((width, height))
}

/// JPEG: walk the segments to the first start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC).
fn jpeg_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let mut at = 2;
    loop {
        while *bytes.get(at)? != 0xFF {
            at += 1;
        }
        while *bytes.get(at)? == 0xFF {
            at += 1;
        }
        let marker = *bytes.get(at)?;
        at += 1;
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            continue;
        }
        let length = be16(bytes, at)? as usize;
        if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
            let height = be16(bytes, at + 3)?;
            let width = be16(bytes, at + 5)?;
            return Some((width, height));
        }
        if length < 2 {
            return None;
        }
        at += length;
    }
}

/// WebP: lossy (VP8), lossless (VP8L) or extended (VP8X) headers.
fn webp_size(bytes: &[u8]) -> Option<(u32, u32)> {
    match bytes.get(12..16)? {
        b"VP8 " => {
            if bytes.get(23..26)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            Some((le16(bytes, 26)? & 0x3FFF, le16(bytes, 28)? & 0x3FFF))
        }
        b"VP8L" => {
            if *bytes.get(20)? != 0x2F {
                return None;
            }
            let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
            Some(((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1))
        }
        b"VP8X" => Some((le24(bytes, 24)? + 1, le24(bytes, 27)? + 1)),
        _ => None,
    }
}

/// An image checked and written to the media directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredImage {
    /// The URL path it is served at: `/media/{hash}.{ext}`.
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub kind: ImageKind,
}

/// Checks an upload: not empty, at most [`MAX_IMAGE_BYTES`], a PNG, JPEG or WebP by its bytes, with a
/// readable size of at most [`MAX_SIDE`] pixels a side. Refusals say what to do (422; too large: 413).
pub fn check(bytes: &[u8]) -> Result<(ImageKind, u32, u32), AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid("image", "Choose an image file to upload."));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(AppError::TooLarge);
    }
    let kind = ImageKind::sniff(bytes)
        .ok_or_else(|| AppError::invalid("image", "That file is not a PNG, JPEG or WebP picture."))?;
    let (width, height) = kind
        .dimensions(bytes)
        .filter(|&(w, h)| w > 0 && h > 0)
        .ok_or_else(|| AppError::invalid("image", "That picture looks damaged: its size cannot be read."))?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(AppError::invalid("image", format!("Pictures are at most {MAX_SIDE} pixels a side.")));
    }
    Ok((kind, width, height))
}

/// Checks `bytes` and writes them under `dir` by their hash (written to a temporary name, then renamed,
/// so a reader never sees half a file). The same picture uploaded twice is one file.
pub async fn store(dir: &Path, bytes: &[u8]) -> Result<StoredImage, AppError> {
    let (kind, width, height) = check(bytes)?;
    let hash = hex::encode(&Sha256::digest(bytes)[..16]);
    let name = format!("{hash}.{}", kind.extension());
    let path = dir.join(&name);
    let written = async {
        tokio::fs::create_dir_all(dir).await?;
        if tokio::fs::try_exists(&path).await? {
            return Ok(());
        }
        let partial = dir.join(format!(".{name}.{}", format_args!("{:016x}", rand::random::<u64>())));
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await
    };
    written.await.map_err(|e: std::io::Error| {
        tracing::error!(error = %e, dir = %dir.display(), "could not write an uploaded image");
        AppError::Internal
    })?;
    // Both are at most MAX_SIDE, so they fit.
    Ok(StoredImage { url: format!("/media/{name}"), width: width as i32, height: height as i32, kind })
}

/// The file a `/media/{name}` request asks for, if `name` is one [`store`] could have written (a hash and
/// a known extension: no path can climb out of the directory).
pub fn file_of(dir: &Path, name: &str) -> Option<(PathBuf, ImageKind)> {
    let (hash, extension) = name.split_once('.')?;
    let hash_ok = hash.len() == 32 && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let kind = ImageKind::of_extension(extension)?;
    hash_ok.then(|| (dir.join(name), kind))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// The smallest valid PNG of `width` × `height` (header only is enough for the checks).
    pub fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        bytes
    }

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(check(&png(640, 480)).unwrap(), (ImageKind::Png, 640, 480));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x4A, 0x46, // APP0, length 4
            0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0xE0, 0x02, 0x80, 0x03, // SOF0: 480 high, 640 wide
        ];
        assert_eq!(check(&jpeg).unwrap(), (ImageKind::Jpeg, 640, 480));
        let mut webp = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\0\0\0\0".to_vec();
        webp.extend_from_slice(&[0x7F, 0x02, 0x00, 0xDF, 0x01, 0x00]); // 640 - 1, 480 - 1
        assert_eq!(check(&webp).unwrap(), (ImageKind::Webp, 640, 480));
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let refused = |bytes: &[u8]| check(bytes).unwrap_err().to_string();
        assert_eq!(refused(b""), "Choose an image file to upload.");
        assert_eq!(
            refused(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            "That file is not a PNG, JPEG or WebP picture."
        );
        assert_eq!(refused(b"GIF89a\x01\x00\x01\x00"), "That file is not a PNG, JPEG or WebP picture.");
        assert_eq!(refused(&png(640, 480)[..18]), "That picture looks damaged: its size cannot be read.");
        assert_eq!(refused(&png(0, 480)), "That picture looks damaged: its size cannot be read.");
        assert_eq!(refused(&png(9_000, 480)), "Pictures are at most 8000 pixels a side.");
        assert_eq!(
            refused(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00]),
            "That picture looks damaged: its size cannot be read."
        );
        let mut big = png(10, 10);
        big.resize(MAX_IMAGE_BYTES + 1, 0);
        assert_eq!(check(&big).unwrap_err(), AppError::TooLarge);
    }

    #[test]
    fn only_stored_names_map_to_files() {
        let dir = Path::new("/srv/media");
        let name = "0123456789abcdef0123456789abcdef.png";
        assert_eq!(file_of(dir, name), Some((dir.join(name), ImageKind::Png)));
        for bad in [
            "../etc/passwd",
            "0123456789abcdef0123456789abcdef.svg",
            "0123.png",
            "0123456789ABCDEF0123456789ABCDEF.png",
            "",
        ] {
            assert_eq!(file_of(dir, bad), None, "{bad}");
        }
    }
}
