//! The raw request path: any method and path under a client's API root, JSON or multipart body,
//! JSON or bytes back, through the same session, hooks and error type as generated calls.
//!
//! It is how users reach routes a provider has not documented publicly yet. Provider crates
//! expose it as `Client::raw(method, path)`.

use crate::error::{Error, ErrorKind, ResponseContext};
use crate::hooks::{API_ROOT_PLACEHOLDER, AuthHooks};
use crate::http::{MAX_BODY, error_from_response, read_limited};
use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// The operation id hooks see for raw requests.
pub const RAW_OPERATION: &str = "raw_request";

/// A `multipart/form-data` body that can be rebuilt, so that a request rejected for a stale token
/// can be sent again with a fresh one. `Debug` shows part names and sizes, never contents.
#[derive(Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Clone)]
struct Part {
    name: String,
    data: Bytes,
    file_name: Option<String>,
    mime: Option<String>,
}

impl std::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.parts
                    .iter()
                    .map(|p| format!("{} ({} bytes)", p.name, p.data.len())),
            )
            .finish()
    }
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A text field.
    pub fn text(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parts.push(Part {
            name: name.into(),
            data: Bytes::from(value.into()),
            file_name: None,
            mime: None,
        });
        self
    }

    /// A file field with its file name and MIME type (e.g. `image/png`).
    pub fn file(
        mut self,
        name: impl Into<String>,
        file_name: impl Into<String>,
        mime: impl Into<String>,
        data: impl Into<Bytes>,
    ) -> Self {
        self.parts.push(Part {
            name: name.into(),
            data: data.into(),
            file_name: Some(file_name.into()),
            mime: Some(mime.into()),
        });
        self
    }

    /// Appends every part of `other`.
    pub fn extend(&mut self, other: Multipart) {
        self.parts.extend(other.parts);
    }

    /// Encodes the form: its `Content-Type` (with the boundary) and body.
    ///
    /// The encoding is written here rather than by reqwest so that the body is plain bytes
    /// (replayable after a rejected token) and file names outside printable ASCII are sent in
    /// the RFC 5987 form `filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`, which reqwest cannot produce.
    pub fn encode(&self) -> Result<(String, Bytes), Error> {
        for p in &self.parts {
            if p.name.is_empty()
                || p.name
                    .chars()
                    .any(|c| c.is_control() || c == '"' || c == '\\')
            {
                return Err(Error::config(format!(
                    "invalid multipart field name `{}`",
                    p.name
                )));
            }
            if let Some(mime) = &p.mime
                && (mime.is_empty() || HeaderValue::from_str(mime).is_err() || !mime.contains('/'))
            {
                return Err(Error::config(format!(
                    "multipart part `{}`: invalid MIME type `{mime}`",
                    p.name
                )));
            }
        }
        let boundary = loop {
            let candidate: String = (0..32).map(|_| fastrand::alphanumeric()).collect();
            let clash = self.parts.iter().any(|p| {
                p.data
                    .windows(candidate.len())
                    .any(|w| w == candidate.as_bytes())
            });
            if !clash {
                break candidate;
            }
        };
        let mut body = Vec::new();
        for p in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{}\"", p.name).as_bytes(),
            );
            if let Some(file_name) = &p.file_name {
                body.extend_from_slice(filename_param(file_name).as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            if let Some(mime) = &p.mime {
                body.extend_from_slice(format!("Content-Type: {mime}\r\n").as_bytes());
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&p.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Ok((
            format!("multipart/form-data; boundary={boundary}"),
            Bytes::from(body),
        ))
    }
}

/// RFC 5987 `attr-char`: everything else is percent-encoded.
const NOT_ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `; filename="name"` for plain printable ASCII, else `; filename*=UTF-8''<pct-encoded>`.
fn filename_param(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\');
    if plain {
        format!("; filename=\"{name}\"")
    } else {
        format!(
            "; filename*=UTF-8''{}",
            percent_encoding::utf8_percent_encode(name, NOT_ATTR_CHAR)
        )
    }
}

#[derive(Clone, Debug)]
enum Body {
    Empty,
    Json(Bytes),
    Multipart(Multipart),
}

/// A successful raw answer.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RawResponse {
    /// The status (2xx).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body decoded as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!(
                    "response body ({} bytes) does not match the expected type: {}",
                    self.body.len(),
                    crate::error::serde_error_summary(&e)
                ),
            )
            .with_status(self.status.as_u16())
        })
    }
}

/// A raw request being built. Made by a provider client's `raw(method, path)`.
#[must_use = "a request does nothing until it is sent"]
pub struct RawRequest<'a, C, I> {
    client: &'a C,
    hooks: &'a AuthHooks,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Result<Body, Error>,
    operation: Option<&'static str>,
    _inner: PhantomData<fn() -> I>,
}

impl<C, I> std::fmt::Debug for RawRequest<'_, C, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "query",
                &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl<'a, C, I> RawRequest<'a, C, I>
where
    C: ClientHooks<I> + ClientInfo<I>,
{
    /// A request for `method` and `path` (relative to the API root, starting with `/`).
    pub fn new(
        client: &'a C,
        hooks: &'a AuthHooks,
        method: Method,
        path: impl Into<String>,
    ) -> Self {
        Self {
            client,
            hooks,
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Ok(Body::Empty),
            operation: None,
            _inner: PhantomData,
        }
    }

    /// Names the operation (hand-written operations in `manual.rs` use their spec
    /// `operationId`); hooks see it and errors carry it. Default: `raw_request` for the hooks and
    /// `METHOD /path` in errors.
    pub fn operation(mut self, operation_id: &'static str) -> Self {
        self.operation = Some(operation_id);
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Adds a header. The auth header is always set by the SDK and cannot be overridden.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// A JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Self {
        self.body = serde_json::to_vec(body)
            .map(|v| Body::Json(Bytes::from(v)))
            .map_err(|e| Error::config(format!("the JSON body cannot be serialized: {e}")));
        self
    }

    /// A `multipart/form-data` body.
    pub fn multipart(mut self, form: Multipart) -> Self {
        self.body = Ok(Body::Multipart(form));
        self
    }

    fn label(&self) -> String {
        match self.operation {
            Some(op) => op.to_owned(),
            None => format!("{} {}", self.method, self.path),
        }
    }

    fn build(&self, body: &Body) -> Result<reqwest::Request, Error> {
        if !self.path.starts_with('/') || self.path.contains("://") {
            return Err(Error::config(format!(
                "raw request path `{}` must be relative to the API root and start with `/`",
                self.path
            )));
        }
        let mut builder = self
            .client
            .client()
            .request(
                self.method.clone(),
                format!("{API_ROOT_PLACEHOLDER}{}", self.path),
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .headers(self.headers.clone());
        if !self.query.is_empty() {
            builder = builder.query(&self.query);
        }
        builder = match body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Multipart(form) => {
                let (content_type, bytes) = form.encode()?;
                builder
                    .header(reqwest::header::CONTENT_TYPE, content_type)
                    .body(bytes)
            }
        };
        builder.build().map_err(crate::error::from_reqwest)
    }

    /// Sends the request. A 2xx answer comes back as a [`RawResponse`]; anything else as an
    /// [`Error`] exactly like a generated call's.
    pub async fn send(self) -> Result<RawResponse, Error> {
        let label = self.label();
        let result = self.send_inner().await;
        result.map_err(|e| relabel(e, label))
    }

    /// Sends the request and decodes a 2xx JSON answer into `T` (use `serde_json::Value` for
    /// free-form answers).
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let provider = self.hooks.provider().to_owned();
        let label = self.label();
        let response = self.send().await?;
        response
            .json()
            .map_err(|e| relabel(e.with_provider(provider), label))
    }

    async fn send_inner(&self) -> Result<RawResponse, Error> {
        let body = self.body.clone()?;
        let info = OperationInfo {
            operation_id: self.operation.unwrap_or(RAW_OPERATION),
        };
        // Every body is plain bytes, so `exec` can replay it after a rejected token.
        let mut request = self
            .build(&body)
            .map_err(|e| e.with_provider(self.hooks.provider().to_owned()))?;
        // The hooks directly (every client's `ClientHooks` delegates to them), so the future is
        // `Send` whatever the client type.
        self.hooks.pre(&mut request, info.operation_id).await?;
        let result = self
            .hooks
            .exec(self.client.client(), request, info.operation_id)
            .await;
        self.hooks.post(&result, info.operation_id)?;
        let response = result.map_err(crate::error::from_reqwest)?;
        finish(response, self.hooks.provider()).await
    }
}

/// Names the raw request (`GET /path`) in an error that the hooks attributed to the generic
/// raw operation; errors of other operations (the token request) keep their own name.
fn relabel(e: Error, label: String) -> Error {
    match e.operation() {
        None | Some(RAW_OPERATION) => e.replace_operation(label),
        Some(op) if op == label => e,
        Some(_) => e,
    }
}

async fn finish(response: reqwest::Response, provider: &str) -> Result<RawResponse, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    if let Some(ResponseContext(e)) = response.extensions().get::<ResponseContext>() {
        return Err(e.clone());
    }
    if !status.is_success() {
        let (body, _) = read_limited(response, MAX_BODY)
            .await
            .map_err(crate::error::from_reqwest)?;
        return Err(error_from_response(status.as_u16(), &headers, &body)
            .with_provider(provider.to_owned()));
    }
    let body = response.bytes().await.map_err(crate::error::from_reqwest)?;
    Ok(RawResponse {
        status,
        headers,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_encoding_is_exact() {
        let form = Multipart::new()
            .text("title", "logo")
            .file("file", "résumé.pdf", "application/pdf", &b"%PDF-1.7"[..])
            .file(
                "other",
                "plain name.docx",
                "application/octet-stream",
                &b"PK"[..],
            );
        let (ctype, body) = form.encode().unwrap();
        let boundary = ctype
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        assert_eq!(boundary.len(), 32);
        let expected = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nlogo\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"other\"; filename=\"plain name.docx\"\r\nContent-Type: application/octet-stream\r\n\r\nPK\r\n\
             --{b}--\r\n",
            b = boundary
        );
        assert_eq!(String::from_utf8(body.to_vec()).unwrap(), expected);
    }

    #[test]
    fn multipart_rejects_bad_names_and_types() {
        assert!(Multipart::new().text("a\"b", "x").encode().is_err());
        assert!(
            Multipart::new()
                .file("f", "a", "not a type\n", &b""[..])
                .encode()
                .is_err()
        );
        assert_eq!(
            format!("{:?}", Multipart::new().text("k", "canary")),
            "[\"k (6 bytes)\"]"
        );
    }
}
