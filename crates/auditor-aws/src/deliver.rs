//! Delivering reports: the auditor's one write to AWS, `s3:PutObject` of a JSON report into
//! the operator's own bucket. Only the daemon calls it, and only when `daemon.upload_to` is
//! configured (off by default). Nothing else in the auditor writes.

use aws_config::SdkConfig;
use aws_sdk_s3::primitives::ByteStream;

/// Puts `body` at `s3://bucket/key` as `content_type` (SSE as the bucket's default).
/// The error is one line.
pub async fn put_report(
    cfg: &SdkConfig,
    bucket: &str,
    key: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(), String> {
    let mut b = aws_sdk_s3::config::Builder::from(cfg);
    if cfg.endpoint_url().is_some() {
        b = b.force_path_style(true);
    }
    aws_sdk_s3::Client::from_conf(b.build())
        .put_object()
        .bucket(bucket)
        .key(key)
        .content_type(content_type)
        .body(ByteStream::from(body))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| {
            let c = crate::classify(&e);
            match c.code {
                Some(code) => format!("s3:PutObject s3://{bucket}/{key}: {code}: {}", c.message),
                None => format!("s3:PutObject s3://{bucket}/{key}: {}", c.message),
            }
        })
}
