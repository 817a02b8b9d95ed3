//! What eqvault asks of S3 beyond object_store: Object Lock.
//!
//! - Every write that carries a checksum, or a [`Retention`] in its request's
//!   extensions, is given the headers S3 wants (`x-amz-sdk-checksum-algorithm`;
//!   `x-amz-object-lock-mode` and `x-amz-object-lock-retain-until-date` on a
//!   PUT or the creation of a multipart upload) and signed again, so that every
//!   `x-amz-*` header is signed (AWS refuses unsigned ones; object_store signs
//!   before a connector sees the request, and never signs its default headers).
//! - [`Api`] reads an object's retention (from a HEAD, which every S3 with
//!   Object Lock answers), extends it (`PutObjectRetention`), and asks a
//!   bucket whether it has Object Lock and versioning.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http::{Method, StatusCode};
use object_store::ClientOptions;
use object_store::aws::{AmazonS3, AwsAuthorizer, AwsCredentialProvider};
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpRequestBody,
    HttpResponse, HttpService, ReqwestConnector,
};
use object_store::path::Path as Key;
use object_store::signer::Signer as _;
use sha2::{Digest, Sha256};

use super::config::LockMode;

/// A retention asked for a write (carried in the request's extensions) or read
/// back from an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Governance or compliance.
    pub mode: LockMode,
    /// Until when nobody (compliance) or nobody without the bypass permission
    /// (governance) can delete or overwrite it.
    pub until: DateTime<Utc>,
}

impl Retention {
    /// The date as S3 takes it (ISO 8601, UTC, whole seconds).
    fn until_text(&self) -> String {
        self.until.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// The credential provider of the client a connector serves, set once the client is built.
pub(super) type Credentials = Arc<OnceLock<AwsCredentialProvider>>;

/// Makes the HTTP clients of an S3 store: reqwest, with [`Signing`] in front.
#[derive(Debug)]
pub(super) struct Connector {
    /// Filled in right after the store's client is built.
    pub credentials: Credentials,
}

impl HttpConnector for Connector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(Signing {
            inner,
            credentials: self.credentials.clone(),
        }))
    }
}

/// Adds the checksum and lock headers a write needs, and signs the request again.
#[derive(Debug)]
struct Signing {
    inner: HttpClient,
    credentials: Credentials,
}

const SDK_CHECKSUM: &str = "x-amz-sdk-checksum-algorithm";
const LOCK_MODE: &str = "x-amz-object-lock-mode";
const LOCK_UNTIL: &str = "x-amz-object-lock-retain-until-date";

#[async_trait]
impl HttpService for Signing {
    async fn call(&self, mut req: HttpRequest) -> Result<HttpResponse, HttpError> {
        // S3 Express signs with a session of its own: left as object_store made it.
        if req.headers().contains_key("x-amz-s3session-token") {
            return self.inner.execute(req).await;
        }
        let query = req.uri().query().unwrap_or("").to_string();
        let part_or_completion = query.split('&').any(|q| q.starts_with("uploadId="));
        // A new object: a PUT, or the creation of a multipart upload (POST ?uploads).
        let creates = !part_or_completion
            && (req.method() == Method::PUT
                || (req.method() == Method::POST
                    && query.split('&').any(|q| q == "uploads" || q == "uploads=")));
        let lock = req
            .extensions()
            .get::<Retention>()
            .copied()
            .filter(|_| creates);
        let h = req.headers();
        let checksum =
            h.contains_key("x-amz-checksum-sha256") || h.contains_key("x-amz-checksum-algorithm");
        if lock.is_none() && !checksum {
            return self.inner.execute(req).await;
        }
        let h = req.headers_mut();
        if checksum {
            h.insert(SDK_CHECKSUM, http::HeaderValue::from_static("SHA256"));
        }
        if let Some(r) = lock {
            h.insert(LOCK_MODE, http::HeaderValue::from_static(r.mode.as_s3()));
            h.insert(
                LOCK_UNTIL,
                http::HeaderValue::from_str(&r.until_text()).expect("an ASCII date"),
            );
        }
        resign(&self.credentials, &mut req).await?;
        self.inner.execute(req).await
    }
}

/// Signs `req` again with every header it now has. Its region and payload digest
/// are the ones of the first signature; an unsigned request stays unsigned.
async fn resign(credentials: &Credentials, req: &mut HttpRequest) -> Result<(), HttpError> {
    let auth = req
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // `AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/s3/aws4_request, …`
    let Some(region) = auth
        .split("Credential=")
        .nth(1)
        .and_then(|c| c.split(',').next())
        .and_then(|c| c.split('/').nth(2))
        .map(str::to_string)
    else {
        return Ok(());
    };
    let Some(provider) = credentials.get() else {
        return Ok(());
    };
    let credential = provider
        .get_credential()
        .await
        .map_err(|e| HttpError::new(HttpErrorKind::Unknown, e))?;
    let digest = req
        .headers()
        .get("x-amz-content-sha256")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    req.headers_mut().remove(http::header::AUTHORIZATION);
    let a = AwsAuthorizer::new(&credential, "s3", &region);
    let signed = match digest.as_deref() {
        Some("UNSIGNED-PAYLOAD") => a.with_sign_payload(false).try_authorize(req, None),
        Some(d) => match hex::decode(d) {
            Ok(bytes) if bytes.len() == 32 => a.try_authorize(req, Some(&bytes)),
            _ => a.try_authorize(req, None),
        },
        None => a.try_authorize(req, None),
    };
    signed.map_err(|e| HttpError::new(HttpErrorKind::Unknown, e))
}

/// Whether a bucket has Object Lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketLock {
    /// Enabled: objects can be locked.
    Enabled,
    /// Not enabled (it can only be enabled on a versioned bucket, by its owner).
    Absent,
}

/// Requests object_store does not make, signed with the store's own credentials.
#[derive(Debug, Clone)]
pub(super) struct Api {
    pub s3: AmazonS3,
    pub http: HttpClient,
    pub region: String,
    /// The store's prefix in the bucket, without slashes at either end.
    pub prefix: String,
    /// Whether the bucket has Object Lock, once asked and answered.
    pub bucket: tokio::sync::OnceCell<BucketLock>,
}

/// What an S3 request answered.
struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Bytes,
}

impl Api {
    /// The object's URL, built (and encoded) as object_store builds it: the
    /// prefix as `PrefixStore` takes it, then the key.
    async fn url(&self, key: &str) -> Result<url::Url, String> {
        let key = Key::parse(key).map_err(|e| e.to_string())?;
        let path: Key = Key::from(self.prefix.as_str())
            .parts()
            .chain(key.parts())
            .collect();
        let mut u = self
            .s3
            .signed_url(Method::HEAD, &path, Duration::from_secs(60))
            .await
            .map_err(|e| super::flatten_error(&e))?;
        u.set_query(None);
        Ok(u)
    }

    async fn bucket_url(&self) -> Result<url::Url, String> {
        let path = Key::from("eqvault-probe");
        let mut u = self
            .s3
            .signed_url(Method::HEAD, &path, Duration::from_secs(60))
            .await
            .map_err(|e| super::flatten_error(&e))?;
        u.set_query(None);
        u.path_segments_mut()
            .map_err(|()| "an S3 URL without a path".to_string())?
            .pop();
        Ok(u)
    }

    /// One request, tried up to three times when the server is busy or cannot
    /// be reached (as object_store retries its own).
    async fn send(
        &self,
        method: Method,
        url: url::Url,
        query: Option<&str>,
        body: Bytes,
    ) -> Result<Answer, String> {
        let mut wait = Duration::from_millis(200);
        let mut tries = 0;
        loop {
            tries += 1;
            match self
                .send_once(method.clone(), url.clone(), query, body.clone())
                .await
            {
                Ok(a)
                    if !(a.status.is_server_error()
                        || a.status == StatusCode::TOO_MANY_REQUESTS)
                        || tries >= 3 =>
                {
                    return Ok(a);
                }
                Err(e) if tries >= 3 => return Err(e),
                _ => {
                    tokio::time::sleep(wait).await;
                    wait *= 4;
                }
            }
        }
    }

    async fn send_once(
        &self,
        method: Method,
        mut url: url::Url,
        query: Option<&str>,
        body: Bytes,
    ) -> Result<Answer, String> {
        url.set_query(query);
        let mut b = http::Request::builder().method(method).uri(url.as_str());
        if !body.is_empty() {
            let sum = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&body));
            b = b
                .header("x-amz-checksum-sha256", sum)
                .header(SDK_CHECKSUM, "SHA256")
                .header(http::header::CONTENT_TYPE, "application/xml");
        }
        let mut req = b
            .body(HttpRequestBody::from(body))
            .map_err(|e| e.to_string())?;
        let credential = self
            .s3
            .credentials()
            .get_credential()
            .await
            .map_err(|e| super::flatten_error(&e))?;
        AwsAuthorizer::new(&credential, "s3", &self.region)
            .try_authorize(&mut req, None)
            .map_err(|e| super::flatten_error(&e))?;
        let res = self
            .http
            .execute(req)
            .await
            .map_err(|e| super::flatten_error(&e))?;
        let (parts, body) = res.into_parts();
        let body = body.bytes().await.map_err(|e| super::flatten_error(&e))?;
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// The retention an object carries now: `Ok(None)` when it has none (or is absent).
    pub async fn retention(&self, key: &str) -> Result<Option<Retention>, String> {
        let url = self.url(key).await?;
        let a = self.send(Method::HEAD, url, None, Bytes::new()).await?;
        if a.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !a.status.is_success() {
            return Err(format!("HEAD answered {}", a.status));
        }
        let mode = match a.headers.get(LOCK_MODE).and_then(|v| v.to_str().ok()) {
            Some(m) if m.eq_ignore_ascii_case("COMPLIANCE") => LockMode::Compliance,
            Some(m) if m.eq_ignore_ascii_case("GOVERNANCE") => LockMode::Governance,
            _ => return Ok(None),
        };
        // A mode with a date that cannot be read is not "unlocked": say so.
        let text = a.headers.get(LOCK_UNTIL).and_then(|v| v.to_str().ok());
        let Some(until) = text.and_then(|t| DateTime::parse_from_rfc3339(t.trim()).ok()) else {
            return Err(format!(
                "the object is locked ({}) with a retain-until date that cannot be read: {:?}",
                mode.as_s3(),
                text.unwrap_or("")
            ));
        };
        Ok(Some(Retention {
            mode,
            until: until.with_timezone(&Utc),
        }))
    }

    /// Sets (extends) an object's retention. S3 lets anyone with
    /// `s3:PutObjectRetention` lengthen one; shortening needs the bypass
    /// permission (governance) or is impossible (compliance): eqvault never asks.
    pub async fn set_retention(&self, key: &str, r: Retention) -> Result<(), String> {
        let url = self.url(key).await?;
        let body = format!(
            "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>{}</Mode><RetainUntilDate>{}</RetainUntilDate></Retention>",
            r.mode.as_s3(),
            r.until_text()
        );
        let a = self
            .send(Method::PUT, url, Some("retention"), Bytes::from(body))
            .await?;
        if a.status.is_success() {
            Ok(())
        } else {
            Err(format!(
                "PutObjectRetention answered {}: {}",
                a.status,
                error_code(&a.body)
            ))
        }
    }

    /// Whether the bucket has Object Lock.
    pub async fn bucket_lock(&self) -> Result<BucketLock, String> {
        let url = self.bucket_url().await?;
        let a = self
            .send(Method::GET, url, Some("object-lock"), Bytes::new())
            .await?;
        let text = String::from_utf8_lossy(&a.body);
        if a.status.is_success() {
            return Ok(
                if text.contains("<ObjectLockEnabled>Enabled</ObjectLockEnabled>") {
                    BucketLock::Enabled
                } else {
                    BucketLock::Absent
                },
            );
        }
        if a.status == StatusCode::NOT_FOUND && text.contains("ObjectLockConfigurationNotFound") {
            return Ok(BucketLock::Absent);
        }
        Err(format!(
            "GetObjectLockConfiguration answered {}: {}",
            a.status,
            error_code(&a.body)
        ))
    }

    /// Whether the bucket may hold locked objects: `false` only when it said it
    /// has no Object Lock (asked once per store handle; an answer that is no
    /// answer is asked again, and counts as "may").
    pub async fn may_lock(&self) -> bool {
        if let Some(b) = self.bucket.get() {
            return *b == BucketLock::Enabled;
        }
        match self.bucket_lock().await {
            Ok(b) => {
                let _ = self.bucket.set(b);
                b == BucketLock::Enabled
            }
            Err(_) => true,
        }
    }

    /// Whether the bucket keeps versions (every bucket with Object Lock does):
    /// a delete then leaves a delete marker and the space is not freed.
    pub async fn versioned(&self) -> Result<bool, String> {
        let url = self.bucket_url().await?;
        let a = self
            .send(Method::GET, url, Some("versioning"), Bytes::new())
            .await?;
        if !a.status.is_success() {
            return Err(format!(
                "GetBucketVersioning answered {}: {}",
                a.status,
                error_code(&a.body)
            ));
        }
        Ok(String::from_utf8_lossy(&a.body).contains("<Status>Enabled</Status>"))
    }
}

/// The `<Code>` of an S3 error body, or a short excerpt.
fn error_code(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match (text.find("<Code>"), text.find("</Code>")) {
        (Some(a), Some(b)) if a + 6 <= b => text[a + 6..b].to_string(),
        _ => {
            crate::sanitize::for_terminal(&text.chars().take(120).collect::<String>()).into_owned()
        }
    }
}
