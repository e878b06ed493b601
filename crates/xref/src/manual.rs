//! Hand-written operations: deauthorization, and the raw request method.

use crate::Client;
use crate::auth::{AuthState, PROVIDER};
use reqwest::Method;
use sdk_auth::{Error, RawRequest};

impl Client {
    /// `POST /oauth/deauthorize` (operation `deauthorize`): revokes this account's token and,
    /// once Xref confirms (2xx), removes it from the token store. If Xref refuses, the token
    /// stays stored and the error says why.
    pub async fn deauthorize(&self) -> Result<(), Error> {
        self.raw(Method::POST, "/oauth/deauthorize")
            .operation("deauthorize")
            .send()
            .await
            .map_err(|e| e.with_subject(self.inner.account.clone()))?;
        self.inner
            .store
            .delete(&self.inner.key)
            .await
            .map_err(|e| e.with_provider(PROVIDER).with_operation("deauthorize"))?;
        self.inner.hooks.sessions().invalidate();
        tracing::debug!(provider = PROVIDER, "account deauthorized");
        Ok(())
    }

    /// A request to any route of the Open API, authenticated like generated calls
    /// (`Authorization: Token …`): Xref's resource endpoints are not publicly documented, so
    /// they are reached this way until they are added to `specs/xref.yaml`.
    ///
    /// ```no_run
    /// # async fn example(client: xref_sdk::Client) -> Result<(), xref_sdk::Error> {
    /// use xref_sdk::Method;
    /// // The path is only an illustration: Xref's resource routes are not public.
    /// let answer: serde_json::Value = client.raw(Method::GET, "/some/resource").send_json().await?;
    /// # Ok(()) }
    /// ```
    pub fn raw(
        &self,
        method: Method,
        path: impl Into<String>,
    ) -> RawRequest<'_, Client, AuthState> {
        RawRequest::new(self, &self.inner.hooks, method, path)
    }
}
