//! Hand-written operations: the six multipart uploads, and the identity check that is answered
//! by status alone. All go through the same hooks (one token, refresh-and-resend on 401/403) and
//! return the same [`Error`].

#[allow(unused_imports)]
use sdk_auth::{Error, Multipart};

/// A file part of a multipart upload.
#[derive(Clone)]
pub struct FilePart {
    /// The file name sent in the part (non-ASCII names go out as `filename*=UTF-8''…`).
    pub file_name: String,
    /// The part's content type (e.g. `text/html`, `image/png`).
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for FilePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilePart")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

impl FilePart {
    /// A file part.
    pub fn new(
        file_name: impl Into<String>,
        content_type: impl Into<String>,
        data: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            file_name: file_name.into(),
            content_type: content_type.into(),
            data: data.into(),
        }
    }

    #[allow(dead_code)]
    fn add_to(self, form: Multipart, name: &str) -> Multipart {
        form.file(name, self.file_name, self.content_type, self.data)
    }
}

#[cfg(feature = "notifications")]
impl crate::notifications::Client {
    /// `POST /api/template` (operation `upload_template`): uploads an e-mail template (HTML or
    /// text) in the part `template`.
    pub async fn upload_template(
        &self,
        template: FilePart,
    ) -> Result<crate::notifications::types::XpKitResource, Error> {
        self.raw(reqwest::Method::POST, "/api/template")
            .operation("upload_template")
            .multipart(template.add_to(Multipart::new(), "template"))
            .send_json()
            .await
    }
}

/// The parts of `mint_nft`.
#[cfg(feature = "nfts")]
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct NftMint {
    /// Required.
    pub profile_id: String,
    /// Required.
    pub experience_id: String,
    /// Required.
    pub configuration_id: String,
    /// Required.
    pub nft_name: String,
    /// Optional.
    pub nft_description: Option<String>,
    /// Optional file (whether it and `nft_location` are alternatives is not documented).
    pub nft: Option<FilePart>,
    /// Optional.
    pub nft_location: Option<String>,
    /// Optional file.
    pub thumbnail: Option<FilePart>,
    /// Optional.
    pub thumbnail_location: Option<String>,
    /// Optional.
    pub nft_symbol: Option<String>,
    /// Optional.
    pub nft_metadata: Option<String>,
    /// Optional.
    pub external_url: Option<String>,
    /// Optional (sent as the text `true`/`false`).
    pub grant_ownership_to_profile: Option<bool>,
}

#[cfg(feature = "nfts")]
impl NftMint {
    /// A mint with the four required parts; add optional ones with the `with_*` setters.
    pub fn new(
        profile_id: impl Into<String>,
        experience_id: impl Into<String>,
        configuration_id: impl Into<String>,
        nft_name: impl Into<String>,
    ) -> Self {
        Self {
            profile_id: profile_id.into(),
            experience_id: experience_id.into(),
            configuration_id: configuration_id.into(),
            nft_name: nft_name.into(),
            ..Self::default()
        }
    }

    /// Sets `nft_description`.
    #[must_use]
    pub fn with_nft_description(mut self, text: impl Into<String>) -> Self {
        self.nft_description = Some(text.into());
        self
    }

    /// Sets the `nft` file.
    #[must_use]
    pub fn with_nft(mut self, file: FilePart) -> Self {
        self.nft = Some(file);
        self
    }

    /// Sets `nft_location`.
    #[must_use]
    pub fn with_nft_location(mut self, text: impl Into<String>) -> Self {
        self.nft_location = Some(text.into());
        self
    }

    /// Sets the `thumbnail` file.
    #[must_use]
    pub fn with_thumbnail(mut self, file: FilePart) -> Self {
        self.thumbnail = Some(file);
        self
    }

    /// Sets `thumbnail_location`.
    #[must_use]
    pub fn with_thumbnail_location(mut self, text: impl Into<String>) -> Self {
        self.thumbnail_location = Some(text.into());
        self
    }

    /// Sets `nft_symbol`.
    #[must_use]
    pub fn with_nft_symbol(mut self, text: impl Into<String>) -> Self {
        self.nft_symbol = Some(text.into());
        self
    }

    /// Sets `nft_metadata`.
    #[must_use]
    pub fn with_nft_metadata(mut self, text: impl Into<String>) -> Self {
        self.nft_metadata = Some(text.into());
        self
    }

    /// Sets `external_url`.
    #[must_use]
    pub fn with_external_url(mut self, text: impl Into<String>) -> Self {
        self.external_url = Some(text.into());
        self
    }

    /// Sets `grant_ownership_to_profile`.
    #[must_use]
    pub fn with_grant_ownership_to_profile(mut self, grant: bool) -> Self {
        self.grant_ownership_to_profile = Some(grant);
        self
    }
}

#[cfg(feature = "nfts")]
impl crate::nfts::Client {
    /// `POST /api/nft/mint` (operation `mint_nft`): mints an NFT (asynchronous).
    pub async fn mint_nft(
        &self,
        mint: NftMint,
    ) -> Result<crate::nfts::types::XpKitAcknowledgement, Error> {
        let mut form = Multipart::new()
            .text("profile_id", mint.profile_id)
            .text("experience_id", mint.experience_id)
            .text("configuration_id", mint.configuration_id)
            .text("nft_name", mint.nft_name);
        let optional = [
            ("nft_description", mint.nft_description),
            ("nft_location", mint.nft_location),
            ("thumbnail_location", mint.thumbnail_location),
            ("nft_symbol", mint.nft_symbol),
            ("nft_metadata", mint.nft_metadata),
            ("external_url", mint.external_url),
            (
                "grant_ownership_to_profile",
                mint.grant_ownership_to_profile.map(|b| b.to_string()),
            ),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                form = form.text(name, value);
            }
        }
        if let Some(file) = mint.nft {
            form = file.add_to(form, "nft");
        }
        if let Some(file) = mint.thumbnail {
            form = file.add_to(form, "thumbnail");
        }
        self.raw(reqwest::Method::POST, "/api/nft/mint")
            .operation("mint_nft")
            .multipart(form)
            .send_json()
            .await
    }
}

#[cfg(feature = "identifications")]
impl crate::identifications::Client {
    /// `POST /api/identity/apple/{resource_id}` (operation `upload_wallet_configuration_file`):
    /// uploads one file to a wallet configuration, in a part named `field` (which names XPKit
    /// accepts is not documented).
    pub async fn upload_wallet_configuration_file(
        &self,
        resource_id: &str,
        field: &str,
        file: FilePart,
    ) -> Result<crate::identifications::types::XpKitResource, Error> {
        let path = format!(
            "/api/identity/apple/{}",
            sdk_auth::http::path_param("resource_id", resource_id)?
        );
        self.raw(reqwest::Method::POST, path)
            .operation("upload_wallet_configuration_file")
            .multipart(file.add_to(Multipart::new(), field))
            .send_json()
            .await
    }

    /// `verify_identity` answered by status: `Ok(true)` when the identity exists (2xx),
    /// `Ok(false)` when XPKit answers 404, an error otherwise.
    pub async fn identity_exists(&self, account_id: &str, data: &str) -> Result<bool, Error> {
        match self
            .verify_identity()
            .account_id(account_id)
            .data(data)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if e.status() == Some(404) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(feature = "vcc")]
impl crate::vcc::Client {
    /// `POST /api/asset` (operation `upload_vcc_asset`): uploads an asset in the part `asset`.
    /// The answer's shape is not documented: any JSON.
    pub async fn upload_vcc_asset(&self, asset: FilePart) -> Result<serde_json::Value, Error> {
        self.raw(reqwest::Method::POST, "/api/asset")
            .operation("upload_vcc_asset")
            .multipart(asset.add_to(Multipart::new(), "asset"))
            .send_json()
            .await
    }

    /// `POST /api/task` (operation `trigger_vcc_task`): `data` file, `configuration_name`, and
    /// optional `extras` (format not documented).
    pub async fn trigger_vcc_task(
        &self,
        data: FilePart,
        configuration_name: &str,
        extras: Option<&str>,
    ) -> Result<crate::vcc::types::XpKitAcknowledgement, Error> {
        let mut form = data
            .add_to(Multipart::new(), "data")
            .text("configuration_name", configuration_name);
        if let Some(extras) = extras {
            form = form.text("extras", extras);
        }
        self.raw(reqwest::Method::POST, "/api/task")
            .operation("trigger_vcc_task")
            .multipart(form)
            .send_json()
            .await
    }

    /// `POST /api/taskgroup` (operation `trigger_vcc_task_group`): `configuration_names` (list
    /// format not documented) plus any further parts.
    pub async fn trigger_vcc_task_group(
        &self,
        configuration_names: &str,
        parts: Multipart,
    ) -> Result<crate::vcc::types::XpKitAcknowledgement, Error> {
        let mut form = Multipart::new().text("configuration_names", configuration_names);
        form.extend(parts);
        self.raw(reqwest::Method::POST, "/api/taskgroup")
            .operation("trigger_vcc_task_group")
            .multipart(form)
            .send_json()
            .await
    }
}
