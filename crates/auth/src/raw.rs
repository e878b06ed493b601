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

    /// Builds the reqwest form (once per attempt).
    pub fn to_form(&self) -> Result<reqwest::multipart::Form, Error> {
        let mut form = reqwest::multipart::Form::new();
        for p in &self.parts {
            let mut part = reqwest::multipart::Part::bytes(p.data.to_vec());
            if let Some(name) = &p.file_name {
                part = part.file_name(name.clone());
            }
            if let Some(mime) = &p.mime {
                part = part.mime_str(mime).map_err(|_| {
                    Error::config(format!(
                        "multipart part `{}`: invalid MIME type `{mime}`",
                        p.name
                    ))
                })?;
            }
            form = form.part(p.name.clone(), part);
        }
        Ok(form)
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
            _inner: PhantomData,
        }
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
        format!("{} {}", self.method, self.path)
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
            Body::Multipart(form) => builder.multipart(form.to_form()?),
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
        let replayable = !matches!(body, Body::Multipart(_));
        let info = OperationInfo {
            operation_id: RAW_OPERATION,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .build(&body)
                .map_err(|e| e.with_provider(self.hooks.provider().to_owned()))?;
            self.client
                .pre::<()>(&mut request, &info)
                .await
                .map_err(Error::from)?;
            let result = self.client.exec(request, &info).await;
            self.client
                .post::<()>(&result, &info)
                .await
                .map_err(Error::from)?;
            let response = result.map_err(crate::error::from_reqwest)?;
            // `exec` resends a replayable request itself; a multipart body is rebuilt here,
            // once, after `exec` invalidated the rejected token.
            if !replayable && attempt == 1 && self.hooks.rejects(response.status()) {
                tracing::debug!(provider = %self.hooks.provider(), "resending multipart request once with a fresh token");
                continue;
            }
            return finish(response, self.hooks.provider()).await;
        }
    }
}

/// Names the raw request (`GET /path`) in an error that the hooks attributed to the generic
/// raw operation; errors of other operations (the token request) keep their own name.
fn relabel(e: Error, label: String) -> Error {
    match e.operation() {
        None | Some(RAW_OPERATION) => e.replace_operation(label),
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
