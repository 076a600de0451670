//! The S3 collector: the account's Terraform state buckets and their settings.
//!
//! 1. `ListBuckets` (paginated), and the account's public access block through S3 Control.
//! 2. Every bucket's keys are listed (`ListObjectsV2`, paginated) until a `.tfstate` key
//!    turns up or a bound is reached ([`S3Options::discovery_max_keys`]); buckets named in
//!    config are always state buckets and are listed up to [`S3Options::state_max_keys`].
//! 3. Per state bucket, concurrently: default encryption, versioning, public access block,
//!    policy and policy status, ownership controls, logging, Object Lock. Each call goes to
//!    the bucket's own region.
//! 4. Opt-in ([`S3Options::scan_secrets`]): state objects are read (`GetObject`, bounded by
//!    size and count) and searched for secret attributes. Only the key and attribute path
//!    of a hit are kept; values never leave [`secrets::scan`].
//!
//! Architecture invariant: SDK types stop here (see `auditor_model::s3`). Calls are
//! `List*`/`Get*` only. A "not configured" answer (no policy, no encryption rule, ...) is
//! data (`None`), any other error is the gap of that part.
#![deny(missing_docs)]

pub mod secrets;

use auditor_model::s3::{
    Bucket, Discovery, Encryption, Logging, ObjectLock, Origin, PublicAccessBlock, S3Account,
    SecretScan, Skipped, StateKeys, StateObject, Versioning,
};
use auditor_model::{Collected, Gap};
use aws_config::SdkConfig;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::Client;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use futures::stream::{self, StreamExt};
use std::collections::BTreeMap;

/// The service name used in coverage gaps.
pub const SERVICE: &str = "s3";

/// What to collect, from the user's config.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// Buckets that hold Terraform state, whatever their keys look like.
    pub state_buckets: Vec<String>,
    /// Look into every other bucket of the account for `.tfstate` keys.
    pub discover: bool,
    /// Keys listed per bucket, at most, while looking for a `.tfstate` key.
    pub discovery_max_keys: usize,
    /// Keys listed per state bucket, at most, to find its state keys (team prefixes).
    pub state_max_keys: usize,
    /// Read state objects and look for plain-text secrets (S3-009). Off by default.
    pub scan_secrets: bool,
    /// Objects larger than this are not read by the scan.
    pub scan_max_object_bytes: i64,
    /// State objects read per bucket, at most, by the scan.
    pub scan_max_objects: usize,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options {
            state_buckets: Vec::new(),
            discover: true,
            discovery_max_keys: 1000,
            state_max_keys: 10_000,
            scan_secrets: false,
            scan_max_object_bytes: 10 * 1024 * 1024,
            scan_max_objects: 100,
        }
    }
}

/// An S3 client for `region`. With an endpoint override (an emulator), requests use path
/// style: virtual-host style would put the bucket in front of `127.0.0.1`.
pub fn client(cfg: &SdkConfig, region: &str) -> Client {
    let mut b = aws_sdk_s3::config::Builder::from(cfg)
        .region(aws_sdk_s3::config::Region::new(region.to_owned()));
    if cfg.endpoint_url().is_some() {
        b = b.force_path_style(true);
    }
    Client::from_conf(b.build())
}

/// A bucket's region from its `LocationConstraint`: empty is us-east-1, `EU` the old name
/// of eu-west-1.
fn region_of(constraint: Option<&str>) -> String {
    match constraint {
        None | Some("") => "us-east-1".to_owned(),
        Some("EU") => "eu-west-1".to_owned(),
        Some(other) => other.to_owned(),
    }
}

/// Whether any bucket (the one a CloudTrail trail writes to, say) is public by S3's own
/// verdict on its policy (`GetBucketPolicyStatus`), and its public access block: its region
/// asked from `home` (`GetBucketLocation`), then both read there. "Not configured" answers
/// are `false` and `None`; any other refusal is the gap.
pub async fn public_access(
    cfg: &SdkConfig,
    home: &str,
    bucket: &str,
) -> Result<(bool, Option<PublicAccessBlock>), Gap> {
    let at = match client(cfg, home)
        .get_bucket_location()
        .bucket(bucket)
        .send()
        .await
    {
        Ok(o) => region_of(o.location_constraint().map(|c| c.as_str())),
        Err(e) => return Err(bucket_gap(bucket, Some(home), "s3:GetBucketLocation", &e)),
    };
    let c = client(cfg, &at);
    let (status, block) = futures::join!(
        c.get_bucket_policy_status().bucket(bucket).send(),
        c.get_public_access_block().bucket(bucket).send(),
    );
    let public = absent_or_gap(
        status,
        &["NoSuchBucketPolicy"],
        bucket,
        &at,
        "s3:GetBucketPolicyStatus",
    )?
    .and_then(|o| o.policy_status().and_then(|s| s.is_public()))
    .unwrap_or(false);
    let block = absent_or_gap(
        block,
        &["NoSuchPublicAccessBlockConfiguration"],
        bucket,
        &at,
        "s3:GetBucketPublicAccessBlock",
    )?
    .and_then(|o| o.public_access_block_configuration().map(pab_of));
    Ok((public, block))
}

/// An S3 Control client. S3 Control puts the account id in front of the host name; with
/// an endpoint override that would be `123456789012.127.0.0.1`, so the override is used as
/// is instead.
pub fn control_client(cfg: &SdkConfig) -> aws_sdk_s3control::Client {
    let mut b = aws_sdk_s3control::config::Builder::from(cfg);
    if let Some(url) = cfg.endpoint_url() {
        b = b.endpoint_resolver(FixedEndpoint(url.to_owned()));
    }
    aws_sdk_s3control::Client::from_conf(b.build())
}

#[derive(Debug)]
struct FixedEndpoint(String);

impl aws_sdk_s3control::config::endpoint::ResolveEndpoint for FixedEndpoint {
    fn resolve_endpoint<'a>(
        &'a self,
        _: &'a aws_sdk_s3control::config::endpoint::Params,
    ) -> aws_sdk_s3control::config::endpoint::EndpointFuture<'a> {
        aws_sdk_s3control::config::endpoint::EndpointFuture::ready(Ok(
            aws_smithy_types::endpoint::Endpoint::builder()
                .url(self.0.clone())
                .build(),
        ))
    }
}

/// Collects the account's state buckets. Never fails: each API that fails becomes a gap.
/// `home` is the region for account-level calls; `concurrency` bounds buckets in flight.
pub async fn collect(
    cfg: &SdkConfig,
    account_id: &str,
    home: &str,
    regions: &[String],
    opts: &S3Options,
    concurrency: usize,
) -> S3Account {
    let cfg = cfg.clone();
    collect_with(
        client(&cfg, home),
        &control_client(&cfg),
        move |region| client(&cfg, region),
        account_id,
        regions,
        opts,
        concurrency,
    )
    .await
}

/// [`collect`] with given clients (tests give mocked ones): `home` for account-level calls,
/// `control` for S3 Control, and `for_region` making the client of a bucket's region.
/// `regions` (the audited ones) are where a bucket's region is looked for first when
/// ListBuckets does not name it (see [`regions_by_listing`]).
pub async fn collect_with(
    home_client: Client,
    control: &aws_sdk_s3control::Client,
    for_region: impl Fn(&str) -> Client + Send + Sync + 'static,
    account_id: &str,
    regions: &[String],
    opts: &S3Options,
    concurrency: usize,
) -> S3Account {
    let (listed, account_pab) = futures::join!(
        auditor_aws::paged(
            SERVICE,
            None,
            "s3:ListAllMyBuckets",
            home_client
                .list_buckets()
                .max_buckets(10_000)
                .into_paginator()
                .items()
                .send()
        ),
        account_public_access_block(control, account_id),
    );
    let clients = Clients {
        make: Box::new(for_region),
        home: home_client,
        by_region: Default::default(),
    };
    // Every listed bucket, plus the configured ones ListBuckets did not name (another
    // account's, or ListBuckets refused).
    let mut candidates: BTreeMap<String, Option<String>> = BTreeMap::new();
    if let Ok(list) = &listed {
        for b in list {
            if let Some(name) = b.name() {
                candidates.insert(name.to_owned(), b.bucket_region().map(str::to_owned));
            }
        }
    }
    let buckets_seen = candidates.len();
    regions_by_listing(&clients.home, regions, &mut candidates).await;
    for name in &opts.state_buckets {
        candidates.entry(name.clone()).or_insert(None);
    }
    let looked_at: Vec<Looked> =
        stream::iter(candidates.into_iter().filter_map(|(name, region)| {
            let configured = opts.state_buckets.contains(&name);
            (configured || opts.discover).then(|| look(&clients, name, region, configured, opts))
        }))
        .buffered(concurrency.max(1))
        .collect()
        .await;

    let mut discovery = Discovery {
        buckets_seen,
        max_keys_per_bucket: opts.discovery_max_keys,
        ..Discovery::default()
    };
    let mut state = Vec::new();
    for l in looked_at {
        match l {
            Looked::State(b) => state.push(*b),
            Looked::NotState { name, incomplete } => {
                if incomplete {
                    discovery.incomplete.push(name);
                }
            }
            Looked::Unreadable(g) => discovery.gaps.push(g),
        }
    }
    let buckets = match listed {
        Ok(_) => Ok(state),
        // Without the list nothing could be discovered: the configured buckets were still
        // inspected, and travel in the gap's stead only when there are any.
        Err(g) if state.is_empty() => Err(g),
        Err(g) => {
            discovery.gaps.push(g);
            Ok(state)
        }
    };
    S3Account {
        account_public_access_block: Collected::from_result(account_pab),
        buckets: Collected::from_result(buckets),
        discovery,
    }
}

/// Fills in the regions ListBuckets left out. AWS's ListBuckets names each bucket's region
/// (`BucketRegion`); an endpoint that does not (an emulator, an older S3-compatible API) is
/// asked once per audited region, ListBuckets filtered by `BucketRegion`, when that takes
/// fewer requests than one `GetBucketLocation` per bucket. Buckets found in none of them (a
/// region not audited), or all of them when a filtered list is refused, keep `None` and are
/// located one by one as before: a refusal here costs requests, never data. An endpoint
/// that ignores the filter answers every list with every bucket; a bucket named by two
/// regions shows it, and then no listed region is trusted (which is why a single audited
/// region, where that cannot be seen, is located bucket by bucket).
async fn regions_by_listing(
    home: &Client,
    regions: &[String],
    candidates: &mut BTreeMap<String, Option<String>>,
) {
    let unknown = candidates.values().filter(|r| r.is_none()).count();
    if regions.len() < 2 || unknown <= regions.len() {
        return;
    }
    let lists: Option<Vec<_>> =
        futures::future::join_all(regions.iter().map(|region| async move {
            // A refusal here is no gap: each bucket is then located by itself.
            let names = auditor_aws::paged(
                SERVICE,
                None,
                "s3:ListAllMyBuckets",
                home.list_buckets()
                    .bucket_region(region)
                    .max_buckets(10_000)
                    .into_paginator()
                    .items()
                    .send(),
            )
            .await
            .ok()?;
            Some((region, names))
        }))
        .await
        .into_iter()
        .collect();
    // All or nothing: with one list missing, an endpoint that ignores the filter could
    // not be told from one that applies it.
    let Some(lists) = lists else {
        return;
    };
    let mut found: BTreeMap<&str, &String> = BTreeMap::new();
    for (region, names) in &lists {
        for name in names.iter().filter_map(|b| b.name()) {
            if found.insert(name, region).is_some() {
                return; // the filter was not applied
            }
        }
    }
    for (name, region) in found {
        if let Some(slot @ None) = candidates.get_mut(name) {
            *slot = Some(region.clone());
        }
    }
}

struct Clients {
    make: Box<dyn Fn(&str) -> Client + Send + Sync>,
    home: Client,
    by_region: std::sync::Mutex<BTreeMap<String, Client>>,
}

impl Clients {
    fn for_region(&self, region: &str) -> Client {
        let mut m = self.by_region.lock().unwrap_or_else(|e| e.into_inner());
        m.entry(region.to_owned())
            .or_insert_with(|| (self.make)(region))
            .clone()
    }
}

enum Looked {
    State(Box<Bucket>),
    NotState { name: String, incomplete: bool },
    Unreadable(Gap),
}

/// The gap of a per-bucket call: the bucket's name leads the message.
fn bucket_gap<E>(
    bucket: &str,
    region: Option<&str>,
    api: &str,
    err: &SdkError<E, HttpResponse>,
) -> Gap
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let mut g = auditor_aws::gap(SERVICE, region, api, err);
    g.message = format!("bucket {bucket}: {}", g.message);
    g
}

/// `Ok(None)` for the error codes that mean "not configured", else the gap.
fn absent_or_gap<T, E>(
    r: Result<T, SdkError<E, HttpResponse>>,
    absent: &[&str],
    bucket: &str,
    region: &str,
    api: &str,
) -> Result<Option<T>, Gap>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.code().is_some_and(|c| absent.contains(&c)) => Ok(None),
        Err(e) => Err(bucket_gap(bucket, Some(region), api, &e)),
    }
}

async fn look(
    clients: &Clients,
    name: String,
    region: Option<String>,
    configured: bool,
    opts: &S3Options,
) -> Looked {
    let arn = format!("arn:aws:s3:::{name}");
    let region = match region {
        Some(r) => r,
        None => match clients
            .home
            .get_bucket_location()
            .bucket(&name)
            .send()
            .await
        {
            Ok(o) => region_of(o.location_constraint().map(|c| c.as_str())),
            Err(e) => {
                let gap = bucket_gap(&name, None, "s3:GetBucketLocation", &e);
                return if configured {
                    Looked::State(Box::new(unreadable_bucket(name, arn, gap)))
                } else {
                    Looked::Unreadable(Gap {
                        resource: Some(arn.into()),
                        ..gap
                    })
                };
            }
        },
    };
    let c = clients.for_region(&region);
    let bound = if configured {
        opts.state_max_keys
    } else {
        opts.discovery_max_keys
    };
    let keys = list_state_keys(&c, &name, &region, bound, opts.state_max_keys).await;
    if !configured {
        match &keys {
            Ok(k) if k.keys.is_empty() => {
                return Looked::NotState {
                    name,
                    incomplete: k.truncated,
                }
            }
            // Whether it holds state is unknown: every S3 check reports it "not assessed".
            Err(g) => {
                return Looked::Unreadable(Gap {
                    resource: Some(arn.into()),
                    ..g.clone()
                })
            }
            Ok(_) => {}
        }
    }
    let b = &name;
    let r = region.as_str();
    let (encryption, versioning, pab, (policy, policy_status), ownership, logging, lock) = futures::join!(
        async {
            let out = absent_or_gap(
                c.get_bucket_encryption().bucket(b).send().await,
                &["ServerSideEncryptionConfigurationNotFoundError"],
                b,
                r,
                "s3:GetEncryptionConfiguration",
            )?;
            Ok(out.and_then(|o| {
                let rule = o.server_side_encryption_configuration()?.rules().first()?;
                let d = rule.apply_server_side_encryption_by_default()?;
                Some(Encryption {
                    algorithm: d.sse_algorithm().as_str().to_owned(),
                    kms_key: d.kms_master_key_id().map(str::to_owned),
                    bucket_key_enabled: rule.bucket_key_enabled().unwrap_or(false),
                })
            }))
        },
        async {
            match c.get_bucket_versioning().bucket(b).send().await {
                Ok(o) => Ok(Versioning {
                    status: o.status().map(|s| s.as_str().to_owned()),
                    mfa_delete: o.mfa_delete().map(|s| s.as_str().to_owned()),
                }),
                Err(e) => Err(bucket_gap(b, Some(r), "s3:GetBucketVersioning", &e)),
            }
        },
        async {
            let out = absent_or_gap(
                c.get_public_access_block().bucket(b).send().await,
                &["NoSuchPublicAccessBlockConfiguration"],
                b,
                r,
                "s3:GetBucketPublicAccessBlock",
            )?;
            Ok(out.and_then(|o| o.public_access_block_configuration().map(pab_of)))
        },
        async {
            let policy = absent_or_gap(
                c.get_bucket_policy().bucket(b).send().await,
                &["NoSuchBucketPolicy"],
                b,
                r,
                "s3:GetBucketPolicy",
            )
            .map(|out| out.and_then(|o| o.policy().map(str::to_owned)));
            // A bucket without a policy has no policy status either (S3 answers
            // NoSuchBucketPolicy): it is asked only when the policy exists or was refused.
            let status = match &policy {
                Ok(None) => Ok(None),
                _ => absent_or_gap(
                    c.get_bucket_policy_status().bucket(b).send().await,
                    &["NoSuchBucketPolicy"],
                    b,
                    r,
                    "s3:GetBucketPolicyStatus",
                )
                .map(|out| out.and_then(|o| o.policy_status().and_then(|s| s.is_public()))),
            };
            (policy, status)
        },
        async {
            let out = absent_or_gap(
                c.get_bucket_ownership_controls().bucket(b).send().await,
                &["OwnershipControlsNotFoundError"],
                b,
                r,
                "s3:GetBucketOwnershipControls",
            )?;
            Ok(out.and_then(|o| {
                o.ownership_controls()?
                    .rules()
                    .first()
                    .map(|rule| rule.object_ownership().as_str().to_owned())
            }))
        },
        async {
            match c.get_bucket_logging().bucket(b).send().await {
                Ok(o) => Ok(o.logging_enabled().map(|l| Logging {
                    target_bucket: l.target_bucket().to_owned(),
                    target_prefix: l.target_prefix().to_owned(),
                })),
                Err(e) => Err(bucket_gap(b, Some(r), "s3:GetBucketLogging", &e)),
            }
        },
        async {
            let out = absent_or_gap(
                c.get_object_lock_configuration().bucket(b).send().await,
                &["ObjectLockConfigurationNotFoundError"],
                b,
                r,
                "s3:GetBucketObjectLockConfiguration",
            )?;
            Ok(out.and_then(|o| {
                let conf = o.object_lock_configuration()?;
                Some(ObjectLock {
                    enabled: conf
                        .object_lock_enabled()
                        .is_some_and(|e| e.as_str() == "Enabled"),
                    mode: conf
                        .rule()
                        .and_then(|r| r.default_retention())
                        .and_then(|d| d.mode())
                        .map(|m| m.as_str().to_owned()),
                })
            }))
        },
    );
    let secret_scan = match (&keys, opts.scan_secrets) {
        (Ok(k), true) => Some(scan(&c, b, r, &k.keys, opts).await),
        _ => None,
    };
    Looked::State(Box::new(Bucket {
        name: name.clone(),
        arn,
        region: Some(region.clone()),
        origin: if configured {
            Origin::Config
        } else {
            Origin::Discovered
        },
        encryption: Collected::from_result(encryption),
        versioning: Collected::from_result(versioning),
        public_access_block: Collected::from_result(pab),
        policy: Collected::from_result(policy),
        policy_is_public: Collected::from_result(policy_status),
        object_ownership: Collected::from_result(ownership),
        logging: Collected::from_result(logging),
        object_lock: Collected::from_result(lock),
        state: Collected::from_result(keys),
        secret_scan,
    }))
}

/// A configured bucket whose region could not be read: every part carries the gap.
fn unreadable_bucket(name: String, arn: String, gap: Gap) -> Bucket {
    fn g<T>(gap: &Gap) -> Collected<T> {
        Collected::NotCollected {
            not_collected: gap.clone(),
        }
    }
    Bucket {
        name,
        arn,
        region: None,
        origin: Origin::Config,
        encryption: g(&gap),
        versioning: g(&gap),
        public_access_block: g(&gap),
        policy: g(&gap),
        policy_is_public: g(&gap),
        object_ownership: g(&gap),
        logging: g(&gap),
        object_lock: g(&gap),
        state: g(&gap),
        secret_scan: None,
    }
}

fn pab_of(p: &aws_sdk_s3::types::PublicAccessBlockConfiguration) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: p.block_public_acls().unwrap_or(false),
        ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
        block_public_policy: p.block_public_policy().unwrap_or(false),
        restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
    }
}

async fn account_public_access_block(
    c: &aws_sdk_s3control::Client,
    account_id: &str,
) -> Result<Option<PublicAccessBlock>, Gap> {
    match c
        .get_public_access_block()
        .account_id(account_id)
        .send()
        .await
    {
        Ok(o) => Ok(o
            .public_access_block_configuration()
            .map(|p| PublicAccessBlock {
                block_public_acls: p.block_public_acls().unwrap_or(false),
                ignore_public_acls: p.ignore_public_acls().unwrap_or(false),
                block_public_policy: p.block_public_policy().unwrap_or(false),
                restrict_public_buckets: p.restrict_public_buckets().unwrap_or(false),
            })),
        Err(e) if e.code() == Some("NoSuchPublicAccessBlockConfiguration") => Ok(None),
        Err(e) => Err(auditor_aws::gap(
            SERVICE,
            None,
            "s3:GetAccountPublicAccessBlock",
            &e,
        )),
    }
}

/// Lists keys page by page (up to 1,000 a page, the most S3 gives). Stops after `first_bound`
/// keys if no state key turned up by then, and after `state_bound` keys in any case.
async fn list_state_keys(
    c: &Client,
    bucket: &str,
    region: &str,
    first_bound: usize,
    state_bound: usize,
) -> Result<StateKeys, Gap> {
    // Keys come URL-encoded: a key holding a character XML 1.0 cannot carry (a control
    // character) would otherwise make the whole listing unreadable.
    let mut pages = c
        .list_objects_v2()
        .bucket(bucket)
        .encoding_type(aws_sdk_s3::types::EncodingType::Url)
        .max_keys(first_bound.clamp(1, 1000) as i32)
        .into_paginator()
        .send();
    let mut out = StateKeys::default();
    let mut listed = 0usize;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| bucket_gap(bucket, Some(region), "s3:ListBucket", &e))?;
        for o in page.contents() {
            listed += 1;
            if let Some(k) = o.key().map(url_decoded).filter(|k| k.ends_with(".tfstate")) {
                out.keys.push(StateObject {
                    key: k,
                    size: o.size().unwrap_or(0),
                });
            }
        }
        let more = page.is_truncated().unwrap_or(false);
        let bound = if out.keys.is_empty() {
            first_bound
        } else {
            state_bound
        };
        if more && listed >= bound {
            out.truncated = true;
            break;
        }
    }
    Ok(out)
}

/// A key as S3 gives it with `encoding-type=url` (form encoding: `+` is a space), decoded.
/// Bytes that are not UTF-8 are replaced, as no S3 key can hold them.
fn url_decoded(key: &str) -> String {
    let spaced = key.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// Reads state objects (bounded by size and count) and records where secrets are.
async fn scan(
    c: &Client,
    bucket: &str,
    region: &str,
    keys: &[StateObject],
    opts: &S3Options,
) -> SecretScan {
    let mut out = SecretScan::default();
    for (i, obj) in keys.iter().enumerate() {
        let skip = |reason: String| Skipped {
            key: obj.key.clone(),
            reason,
            gap: None,
        };
        if i >= opts.scan_max_objects {
            out.skipped.push(skip(format!(
                "over the scan's bound of {} objects per bucket",
                opts.scan_max_objects
            )));
            continue;
        }
        if obj.size > opts.scan_max_object_bytes {
            out.skipped.push(skip(format!(
                "{} bytes, over the scan's bound of {} bytes",
                obj.size, opts.scan_max_object_bytes
            )));
            continue;
        }
        // The range keeps the bound even if the object grew since it was listed.
        let body = match c
            .get_object()
            .bucket(bucket)
            .key(&obj.key)
            .range(format!("bytes=0-{}", opts.scan_max_object_bytes.max(1) - 1))
            .send()
            .await
        {
            Ok(o) => o.body.collect().await.map(|b| b.into_bytes()),
            Err(e) => {
                let g = bucket_gap(bucket, Some(region), "s3:GetObject", &e);
                out.skipped.push(Skipped {
                    gap: Some(g.clone()),
                    ..skip(g.to_string())
                });
                continue;
            }
        };
        match body {
            Ok(bytes) => match secrets::scan(&obj.key, &bytes) {
                Ok(hits) => {
                    out.scanned.push(obj.key.clone());
                    out.hits.extend(hits);
                }
                Err(why) => out.skipped.push(skip(why)),
            },
            Err(e) => out
                .skipped
                .push(skip(format!("the object could not be read: {e}"))),
        }
    }
    out
}
