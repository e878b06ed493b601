//! Hand-written operations: the multipart file upload, and the raw request method.

use crate::Client;
use crate::auth::AuthState;
use crate::types::{UploadAnswer, UploadedFile};
use reqwest::Method;
use sdk_auth::{Error, Multipart, RawRequest};

/// A file to upload with [`Client::upload_file`].
#[derive(Clone)]
pub struct FileUpload {
    file_name: String,
    content_type: String,
    data: Vec<u8>,
    external_id: Option<String>,
    file_type: Option<String>,
}

impl std::fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileUpload")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .field("external_id", &self.external_id)
            .finish()
    }
}

impl FileUpload {
    /// A PDF (`application/pdf`).
    pub fn pdf(file_name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self::new(file_name, "application/pdf", data)
    }

    /// A DOCX file (`application/octet-stream`, as the docs ask).
    pub fn docx(file_name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self::new(file_name, "application/octet-stream", data)
    }

    /// Any file with its content type. The file name matters: it drives conversion to PDF.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            data: data.into(),
            external_id: None,
            file_type: None,
        }
    }

    /// Your reference, stored on the document and echoed by status and webhook events.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The upload `type` (default `temporary`, the only documented value: deleted if not added
    /// to a package within 24 hours).
    pub fn file_type(mut self, file_type: impl Into<String>) -> Self {
        self.file_type = Some(file_type.into());
        self
    }
}

impl Client {
    /// `POST /files/upload` (operation `uploadFile`): uploads a file's raw bytes as
    /// `multipart/form-data`; use the returned `file_id` in `add_package`'s documents.
    ///
    /// iinked Sign documents the answer both as one object and as "a list of uploaded files":
    /// either is accepted, and the uploaded file returned (the first, if a list holds several;
    /// an empty list is a decode error).
    ///
    /// The part is named `file` (the docs do not name it); non-ASCII file names are sent as
    /// `filename*=UTF-8''…` as the docs require. A rejected token is refreshed and the upload
    /// resent once, like every call.
    pub async fn upload_file(&self, file: FileUpload) -> Result<UploadedFile, Error> {
        if file.file_name.trim().is_empty() {
            return Err(
                Error::config("the file name is empty: it is needed for conversion")
                    .with_provider(crate::auth::PROVIDER)
                    .with_operation("upload_file"),
            );
        }
        let mut request = self
            .raw(Method::POST, "/files/upload")
            .operation("upload_file")
            .multipart(Multipart::new().file("file", file.file_name, file.content_type, file.data));
        if let Some(t) = file.file_type {
            request = request.query("type", t);
        }
        if let Some(id) = file.external_id {
            request = request.query("externalId", id);
        }
        match request.send_json::<UploadAnswer>().await? {
            UploadAnswer::UploadedFile(file) => Ok(file),
            UploadAnswer::Array(files) => files.into_iter().next().ok_or_else(|| {
                Error::new(
                    sdk_auth::ErrorKind::Decode,
                    "the upload answer is an empty list of files",
                )
                .with_provider(crate::auth::PROVIDER)
                .with_operation("upload_file")
            }),
        }
    }

    /// A request to any route under `<origin>/api/v1`, authenticated like generated calls: for
    /// routes iinked Sign references but does not document (the download of executed documents,
    /// `packages/{packageId}/link`).
    ///
    /// ```no_run
    /// # async fn example(client: iinked_sign_sdk::Client) -> Result<(), iinked_sign_sdk::Error> {
    /// use iinked_sign_sdk::Method;
    /// // An undocumented route: the path here is only an illustration.
    /// let pdf = client.raw(Method::GET, "/packages/PACKAGE-ID/download").send().await?;
    /// println!("{} bytes", pdf.body.len());
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
