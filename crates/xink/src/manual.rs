//! Hand-written operations: the raw request method.
//!
//! Xink's public reference stops after the first routes, so the Image, Signature, Signature
//! Import, Rerouting, Managed Accounts and Shared Mailboxes controllers and the employee write
//! routes cannot be generated (see `specs/xink.yaml`). [`Client::raw`] reaches them today
//! through the same session, hooks and error type as generated calls. When Xink documents a
//! route, add it to the spec and run `cargo xtask generate`. No multipart route is documented
//! yet; the image upload, once known, goes here (or through `raw(..).multipart(..)` until then).

use crate::Client;
use crate::auth::AuthState;
use sdk_auth::RawRequest;

impl Client {
    /// A request to any route under the session's API root, authenticated like generated calls.
    ///
    /// `path` is relative to the API root and starts with `/` (e.g. `/api/1.0/account/info`).
    /// A body is [`json`](RawRequest::json) or [`multipart`](RawRequest::multipart); the answer
    /// comes back as bytes ([`send`](RawRequest::send)) or decoded JSON
    /// ([`send_json`](RawRequest::send_json)). A rejected token is refreshed and the request
    /// resent once, and errors are the same [`Error`](crate::Error) as from generated calls.
    ///
    /// ```no_run
    /// # async fn example(client: xink_sdk::Client) -> Result<(), xink_sdk::Error> {
    /// use xink_sdk::{Method, Multipart};
    /// // A route Xink has not documented publicly (the path here is only an illustration).
    /// let answer: serde_json::Value = client
    ///     .raw(Method::POST, "/api/1.0/some/route")
    ///     .multipart(Multipart::new().file("file", "logo.png", "image/png", vec![0u8; 4]))
    ///     .send_json()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn raw(
        &self,
        method: reqwest::Method,
        path: impl Into<String>,
    ) -> RawRequest<'_, Client, AuthState> {
        RawRequest::new(self, &self.inner.hooks, method, path)
    }
}
