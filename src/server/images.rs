//! Product images drawn on the fly: one SVG per shape, colour and view. Nothing is downloaded, and the
//! same URL always gives the same picture, so browsers may cache it for a year.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every image URL names one picture for ever (drawn from its path, or named by the hash of its bytes).
const FOREVER: &str = "public, max-age=31536000, immutable";

pub async fn product_image(Path((shape, colour, view)): Path<(String, String, String)>) -> Response {
    let Some(view) = view.strip_suffix(".svg") else { return StatusCode::NOT_FOUND.into_response() };
    let valid_colour = colour.len() == 6 && colour.bytes().all(|b| b.is_ascii_hexdigit());
    let Some(outline) = outline(&shape) else { return StatusCode::NOT_FOUND.into_response() };
    if !valid_colour || !matches!(view, "front" | "back") {
        return StatusCode::NOT_FOUND.into_response();
    }
    let mirror = if view == "back" { " transform=\"translate(800 0) scale(-1 1)\"" } else { "" };
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 800 800\" width=\"800\" height=\"800\">\
         <rect width=\"800\" height=\"800\" fill=\"#f1eee8\"/>\
         <g{mirror}><path d=\"{outline}\" fill=\"#{colour}\" stroke=\"#00000033\" stroke-width=\"6\" stroke-linejoin=\"round\"/></g>\
         </svg>"
    );
    let mut response = svg.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(FOREVER));
    response
}

fn outline(shape: &str) -> Option<&'static str> {
    Some(match shape {
        "tshirt" => {
            "M270 160 L200 190 L120 300 L200 350 L240 300 L240 640 L560 640 L560 300 L600 350 L680 300 L600 190 L530 160 Q400 240 270 160 Z"
        }
        "hoodie" => {
            "M290 150 Q400 90 510 150 L600 190 L690 480 L610 500 L560 330 L560 660 L240 660 L240 330 L190 500 L110 480 L200 190 Z"
        }
        "jacket" => {
            "M300 140 L200 180 L130 500 L210 520 L250 320 L250 670 L395 670 L395 170 L405 170 L405 670 L550 670 L550 320 L590 520 L670 500 L600 180 L500 140 Z"
        }
        "pants" => "M260 130 L540 130 L580 680 L450 680 L400 300 L350 680 L220 680 Z",
        "shoe" => "M140 520 L180 380 L330 400 Q420 480 560 470 Q680 470 680 560 L680 600 L140 600 Z",
        "hat" => "M200 480 Q210 250 400 240 Q590 250 600 480 L690 500 Q690 540 600 540 L200 540 Z",
        "bag" => {
            "M240 280 L560 280 L600 660 L200 660 Z M320 280 Q320 170 400 170 Q480 170 480 280 L450 280 Q450 200 400 200 Q350 200 350 280 Z"
        }
        "sock" => "M320 140 L480 140 L480 470 L600 560 Q640 620 580 660 L380 660 Q320 640 320 580 Z",
        "mug" => {
            "M220 260 L520 260 L520 620 Q520 660 480 660 L260 660 Q220 660 220 620 Z M520 330 Q640 330 640 440 Q640 550 520 550 L520 510 Q600 510 600 440 Q600 370 520 370 Z"
        }
        "scarf" => "M300 140 L500 140 L500 520 L560 700 L460 700 L420 560 L380 700 L280 700 L300 520 Z",
        _ => return None,
    })
}

/// An uploaded image (`/media/{hash}.{ext}`, written by `services::media`): its type from its name,
/// cached for a year (a name never shows another picture).
pub async fn uploaded(
    axum::extract::State(state): axum::extract::State<crate::server::state::AppState>,
    Path(name): Path<String>,
) -> Response {
    use crate::server::services::media;
    let Some((path, kind)) = media::file_of(&state.settings.media_dir, &name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
            // `X-Content-Type-Options: nosniff` comes from the security headers layer, as on every answer.
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(FOREVER));
            response
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => StatusCode::NOT_FOUND.into_response(),
        Err(error) => {
            tracing::error!(%error, path = %path.display(), "could not read an uploaded image");
            crate::error::AppError::Internal.into_response()
        }
    }
}
