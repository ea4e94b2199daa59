//! A front's built web app: files under `static_dir` for GET and HEAD, `index.html` for any
//! other path outside `/api` (client-side routes deep-link), never a file outside the directory
//! (no `..`, no hidden files, symlinks resolved and checked).

use std::path::{Path, PathBuf};

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::middleware::problems;

/// The directory a front serves, if any.
#[derive(Debug, Clone)]
pub struct StaticDir(pub Option<PathBuf>);

/// Largest file served (a built app's bundles are far smaller).
const MAX_FILE: u64 = 64 * 1024 * 1024;

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("ico") => "image/x-icon",
        Some("webp") => "image/webp",
        Some("woff") => "font/woff",
        Some("woff2") => "font/woff2",
        Some("ttf") => "font/ttf",
        Some("txt") => "text/plain; charset=utf-8",
        Some("webmanifest") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// The file under `root` that `request_path` names, if it is a regular file inside `root`.
pub fn resolve(root: &Path, request_path: &str) -> Option<PathBuf> {
    let mut candidate = root.to_path_buf();
    for segment in request_path.split('/').filter(|s| !s.is_empty()) {
        if segment.starts_with('.') || segment.contains('\\') || segment.contains('\0') {
            return None;
        }
        candidate.push(segment);
    }
    let root = root.canonicalize().ok()?;
    let real = candidate.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

/// Serves a static file or `index.html`; a problem 404 for API paths and other methods.
pub async fn serve(req: HttpRequest, dir: web::Data<StaticDir>) -> HttpResponse {
    let path = req.path().to_owned();
    let readable = req.method() == Method::GET || req.method() == Method::HEAD;
    let Some(root) = dir
        .0
        .clone()
        .filter(|_| readable && !path.starts_with("/api"))
    else {
        return problems::not_found(req).await;
    };
    let file = resolve(&root, &path).or_else(|| resolve(&root, "index.html"));
    let Some(file) = file else {
        return problems::not_found(req).await;
    };
    let read = web::block(move || {
        let len = std::fs::metadata(&file)?.len();
        if len > MAX_FILE {
            return Err(std::io::Error::other("file too large"));
        }
        std::fs::read(&file).map(|bytes| (file, bytes))
    })
    .await;
    match read {
        Ok(Ok((file, bytes))) => {
            let cache = if file.file_name().is_some_and(|n| n == "index.html") {
                "no-cache"
            } else {
                "public, max-age=3600"
            };
            HttpResponse::Ok()
                .content_type(content_type(&file))
                .insert_header((header::CACHE_CONTROL, cache))
                .body(bytes)
        }
        _ => problems::not_found(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_directory_resolve() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("build");
        std::fs::create_dir_all(root.join("static/js")).unwrap();
        std::fs::write(root.join("index.html"), "<html>").unwrap();
        std::fs::write(root.join("static/js/main.js"), "x").unwrap();
        std::fs::write(root.join(".env"), "SECRET=1").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        assert!(resolve(&root, "/static/js/main.js").is_some());
        assert!(resolve(&root, "/index.html").is_some());
        assert!(
            resolve(&root, "/static").is_none(),
            "a directory is not a file"
        );
        assert!(resolve(&root, "/../secret.txt").is_none());
        assert!(resolve(&root, "/static/../../secret.txt").is_none());
        assert!(resolve(&root, "/.env").is_none());
        assert!(resolve(&root, "/..%2fsecret.txt").is_none());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt"))
                .unwrap();
            assert!(
                resolve(&root, "/link.txt").is_none(),
                "a symlink out is refused"
            );
        }
    }
}
