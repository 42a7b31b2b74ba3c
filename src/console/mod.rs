//! The web console at `/console/`: plain HTML, JavaScript and CSS embedded in the binary (no
//! JavaScript build). It acts only through the public API with the person's token.

use actix_web::{HttpResponse, web};

const INDEX: &str = include_str!("index.html");
const SCRIPT: &str = include_str!("console.js");
const STYLE: &str = include_str!("console.css");

/// `/console/`, its script and its style sheet; `/console` redirects to `/console/`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/console",
        web::get().to(|| async {
            HttpResponse::PermanentRedirect()
                .insert_header(("Location", "/console/"))
                .finish()
        }),
    )
    .route(
        "/console/",
        web::get().to(|| async { page(INDEX, "text/html") }),
    )
    .route(
        "/console/console.js",
        web::get().to(|| async { page(SCRIPT, "text/javascript") }),
    )
    .route(
        "/console/console.css",
        web::get().to(|| async { page(STYLE, "text/css") }),
    );
}

fn page(body: &'static str, media: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format!("{media}; charset=utf-8"))
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header((
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(body)
}
