//! Test harness for tests that need AWS: the moto emulator, a fresh account per test, and
//! moto's request recorder.
//!
//! Most tests share the emulator that `make test` starts and names in
//! `AUDITOR_TEST_ENDPOINT`; each test isolates itself in an account of its own, reached by
//! `sts:AssumeRole` (moto gives every account id its own empty EC2, IAM, S3...). Tests that
//! read the request record start a private emulator with [`Emulator::spawn_private`],
//! because the recorder is global to a moto process.
//!
//! A test that needs the emulator and cannot find it panics with instructions: it never
//! passes or skips silently.
#![deny(missing_docs)]

pub mod policy_cases;
pub mod responses;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use base64::Engine as _;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The variable `make test` sets to the shared emulator's URL.
pub const ENDPOINT_VAR: &str = "AUDITOR_TEST_ENDPOINT";

const HOW_TO: &str = "run the tests with `make test` (it installs and starts the moto emulator), \
or start it yourself: `localstack/moto.sh start` and \
`export AUDITOR_TEST_ENDPOINT=$(localstack/moto.sh endpoint)`";

/// Static credentials of the emulator's default account (123456789012). moto checks no signature.
pub const ACCESS_KEY: &str = "testing";
/// See [`ACCESS_KEY`].
pub const SECRET_KEY: &str = "testing";

/// A running moto server.
#[derive(Debug)]
pub struct Emulator {
    endpoint: String,
    child: Option<Child>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(c) = &mut self.child {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn addr_of(endpoint: &str) -> Option<SocketAddr> {
    let hostport = endpoint.split("://").nth(1)?.split('/').next()?;
    hostport.to_socket_addrs().ok()?.next()
}

fn reachable(endpoint: &str) -> bool {
    addr_of(endpoint)
        .is_some_and(|a| TcpStream::connect_timeout(&a, Duration::from_millis(500)).is_ok())
}

/// The moto server launcher: `AUDITOR_MOTO_SERVER`, else `localstack/moto-server` (moto
/// from the venv `make` creates, with the project's one response correction).
pub fn moto_server_path() -> PathBuf {
    std::env::var_os("AUDITOR_MOTO_SERVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../localstack/moto-server")
        })
}

fn moto_venv_python() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../localstack/.venv/bin/python")
}

impl Emulator {
    /// The shared emulator named by `AUDITOR_TEST_ENDPOINT`. Panics with instructions when
    /// the variable is unset or nothing answers there.
    pub fn shared() -> Emulator {
        let endpoint = std::env::var(ENDPOINT_VAR).unwrap_or_else(|_| {
            panic!("this test needs the moto emulator, and {ENDPOINT_VAR} is not set: {HOW_TO}")
        });
        assert!(
            reachable(&endpoint),
            "this test needs the moto emulator, and nothing answers at {ENDPOINT_VAR}={endpoint}: {HOW_TO}"
        );
        Emulator {
            endpoint,
            child: None,
        }
    }

    /// Starts a private moto server on a free loopback port; it stops when dropped.
    /// Panics with instructions when moto is not installed.
    pub fn spawn_private() -> Emulator {
        Self::spawn_private_with(&[])
    }

    /// [`Emulator::spawn_private`] with more environment for moto (`MOTO_*` settings).
    pub fn spawn_private_with(env: &[(&str, &str)]) -> Emulator {
        let exe = moto_server_path();
        assert!(
            exe.exists()
                && (std::env::var_os("AUDITOR_MOTO_SERVER").is_some()
                    || moto_venv_python().exists()),
            "this test starts its own moto server, and {} does not exist: run `make emulator` \
             (localstack/setup.sh), or set AUDITOR_MOTO_SERVER",
            exe.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or_else(|e| panic!("no free loopback port: {e}"));
        let child = Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            // As localstack/moto.sh does: seeds attach AWS managed policies.
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .envs(env.iter().copied())
            // The recorder writes a file into moto's working directory: keep it out of the tree.
            .env(
                "MOTO_RECORDER_FILEPATH",
                std::env::temp_dir().join(format!("auditor-moto-recording-{port}")),
            )
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
        let emu = Emulator {
            endpoint: format!("http://127.0.0.1:{port}"),
            child: Some(child),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !reachable(&emu.endpoint) {
            assert!(
                Instant::now() < deadline,
                "moto did not answer on {} within 30 s",
                emu.endpoint
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        emu
    }

    /// The URL, e.g. `http://127.0.0.1:5000`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// SDK config of the emulator's default account, for seeding.
    pub fn base_config(&self, region: &str) -> SdkConfig {
        aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                    ACCESS_KEY, SECRET_KEY, None, None, "testkit",
                )),
            )
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(2))
            .build()
    }

    /// SDK config acting in `account` (assumed role), for seeding that account.
    pub async fn account_config(&self, account: &str, region: &str) -> SdkConfig {
        let base = self.base_config(region);
        let out = aws_sdk_sts::Client::new(&base)
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/testkit-seed"))
            .role_session_name("testkit-seed")
            .send()
            .await
            .unwrap_or_else(|e| panic!("assume role into {account} on {}: {e:?}", self.endpoint));
        let c = out
            .credentials()
            .unwrap_or_else(|| panic!("no credentials from AssumeRole"));
        base.to_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_owned()),
                    None,
                    "testkit-seed",
                )),
            )
            .build()
    }

    /// Environment for running the `auditor` binary against this emulator: static test
    /// credentials, and nothing of the developer's own AWS setup.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.into()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_CONFIG_FILE", "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    async fn moto_api(&self, action: &str) {
        let url = format!("{}/moto-api/recorder/{action}", self.endpoint);
        let resp = reqwest::Client::new()
            .post(&url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        assert!(
            resp.status().is_success(),
            "POST {url}: HTTP {}",
            resp.status()
        );
    }

    /// Clears the request record and starts recording.
    pub async fn start_recording(&self) {
        self.moto_api("reset-recording").await;
        self.moto_api("start-recording").await;
    }

    /// Stops recording and returns every request recorded since [`Self::start_recording`].
    pub async fn stop_recording(&self) -> Vec<Recorded> {
        self.moto_api("stop-recording").await;
        let url = format!("{}/moto-api/recorder/download-recording", self.endpoint);
        let text = reqwest::get(&url)
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("GET {url}: {e}"))
            .text()
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                Recorded::parse(l).unwrap_or_else(|e| panic!("unreadable record line ({e}): {l}"))
            })
            .collect()
    }
}

/// One request from moto's recorder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// URL.
    pub url: String,
    /// Service from the SigV4 credential scope (`ec2`, `sts`, ...).
    pub service: String,
    /// The access key that signed it.
    pub access_key: String,
    /// The operation for query and JSON protocols (`DescribeVpcs`); `None` for REST ones.
    pub action: Option<String>,
}

impl Recorded {
    fn parse(line: &str) -> Result<Recorded, String> {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let header = |name: &str| {
            v["headers"]
                .as_object()
                .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                .and_then(|(_, v)| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let auth = header("Authorization");
        // "AWS4-HMAC-SHA256 Credential=AKID/20261122/us-east-1/ec2/aws4_request, ..."
        let scope: Vec<&str> = auth
            .split("Credential=")
            .nth(1)
            .and_then(|s| s.split(',').next())
            .map(|s| s.split('/').collect())
            .unwrap_or_default();
        let body = match (&v["body"], v["body_encoded"].as_bool()) {
            (serde_json::Value::String(b), Some(true)) => base64::engine::general_purpose::STANDARD
                .decode(b)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default(),
            (serde_json::Value::String(b), _) => b.clone(),
            _ => String::new(),
        };
        let query_action = body
            .split('&')
            .chain(v["url"].as_str().unwrap_or_default().split(['?', '&']))
            .find_map(|kv| kv.strip_prefix("Action="))
            .map(str::to_owned);
        let target = header("X-Amz-Target");
        let json_action = target
            .rsplit('.')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let method = v["method"].as_str().unwrap_or_default().to_owned();
        let url = v["url"].as_str().unwrap_or_default().to_owned();
        let service = scope.get(3).copied().unwrap_or_default().to_owned();
        let rest_action = rest_action(&service, &method, &url);
        Ok(Recorded {
            method,
            url,
            service,
            access_key: scope.first().copied().unwrap_or_default().to_owned(),
            action: query_action.or(json_action).or(rest_action),
        })
    }

    /// Whether this request only reads: `Describe*`, `List*`, `Get*`, or one of the few
    /// non-mutating calls the auditor is allowed (`sts:AssumeRole`,
    /// `iam:GenerateCredentialReport`); for REST protocols, GET or HEAD.
    pub fn is_read_only(&self) -> bool {
        match &self.action {
            Some(a) => {
                ["Describe", "List", "Get"].iter().any(|p| a.starts_with(p))
                    || matches!(a.as_str(), "AssumeRole" | "GenerateCredentialReport")
            }
            None => matches!(self.method.as_str(), "GET" | "HEAD"),
        }
    }

    /// `service:Action` (or `service:METHOD url` for REST).
    pub fn label(&self) -> String {
        match &self.action {
            Some(a) => format!("{}:{a}", self.service),
            None => format!("{}:{} {}", self.service, self.method, self.url),
        }
    }
}

/// The operation of a REST-protocol request, from its method and path (EKS's, GuardDuty's
/// and S3's read APIs). `None` for anything else, which then counts as read-only only if it
/// is a GET or HEAD.
fn rest_action(service: &str, method: &str, url: &str) -> Option<String> {
    if service == "s3" && method == "GET" {
        return s3_action(url);
    }
    if !matches!(service, "eks" | "guardduty") || method != "GET" {
        return None;
    }
    let path = url.split("://").nth(1).unwrap_or(url);
    let path = path.split_once('/').map_or("", |(_, p)| p);
    let path = path.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if service == "guardduty" {
        return match parts.as_slice() {
            ["detector"] => Some("ListDetectors".to_owned()),
            ["detector", _] => Some("GetDetector".to_owned()),
            _ => None,
        };
    }
    let op = match parts.as_slice() {
        ["clusters"] => "ListClusters",
        ["cluster-versions"] => "DescribeClusterVersions",
        ["clusters", _] => "DescribeCluster",
        ["clusters", _, "node-groups"] => "ListNodegroups",
        ["clusters", _, "node-groups", _] => "DescribeNodegroup",
        ["clusters", _, "addons"] => "ListAddons",
        ["clusters", _, "addons", _] => "DescribeAddon",
        ["clusters", _, "access-entries"] => "ListAccessEntries",
        ["clusters", _, "access-entries", _] => "DescribeAccessEntry",
        ["clusters", _, "access-entries", _, "access-policies"] => "ListAssociatedAccessPolicies",
        ["clusters", _, "pod-identity-associations"] => "ListPodIdentityAssociations",
        _ => return None,
    };
    Some(op.to_owned())
}

/// S3's (and S3 Control's) GET operations, path style: `/` lists buckets, `/bucket?sub`
/// reads a bucket setting, `/bucket/key` reads an object. The account public access block
/// is named by its IAM action, to tell it from the bucket's.
fn s3_action(url: &str) -> Option<String> {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let rest = rest.split_once('/').map_or("", |(_, p)| p);
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let keys: Vec<&str> = query
        .split('&')
        .map(|kv| kv.split('=').next().unwrap_or_default())
        .collect();
    if path.starts_with("v20180820/configuration/publicAccessBlock") {
        return Some("GetAccountPublicAccessBlock".into());
    }
    let parts: Vec<&str> = path.splitn(2, '/').filter(|p| !p.is_empty()).collect();
    let op = match parts.as_slice() {
        [] => "ListBuckets",
        [_, _] => "GetObject",
        [_] => {
            let sub = [
                ("location", "GetBucketLocation"),
                ("list-type", "ListObjectsV2"),
                ("encryption", "GetBucketEncryption"),
                ("versioning", "GetBucketVersioning"),
                ("publicAccessBlock", "GetPublicAccessBlock"),
                ("policyStatus", "GetBucketPolicyStatus"),
                ("policy", "GetBucketPolicy"),
                ("ownershipControls", "GetBucketOwnershipControls"),
                ("logging", "GetBucketLogging"),
                ("object-lock", "GetObjectLockConfiguration"),
            ];
            sub.iter()
                .find(|(k, _)| keys.contains(k))
                .map_or("ListObjects", |(_, op)| op)
        }
        _ => return None,
    };
    Some(op.to_owned())
}

/// A fresh 12-digit account id, different for every call in this machine's lifetime
/// (time, process and a counter), so tests sharing one emulator never see each other.
pub fn unique_account() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default();
    let n = nanos
        .wrapping_mul(6364136223846793005)
        .wrapping_add(u64::from(std::process::id()) << 20)
        .wrapping_add(
            COUNTER
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_mul(1442695040888963407),
        );
    // Never the default account, which untargeted requests land in.
    let id = format!("{:012}", n % 1_000_000_000_000);
    if id == "123456789012" {
        unique_account()
    } else {
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_parse_into_service_and_action() {
        let body = base64::engine::general_purpose::STANDARD
            .encode("Action=DescribeVpcs&Version=2016-11-15");
        let line = serde_json::json!({
            "headers": {"Authorization": "AWS4-HMAC-SHA256 Credential=ASIAX/20261122/eu-west-1/ec2/aws4_request, SignedHeaders=host"},
            "method": "POST", "url": "http://127.0.0.1:1/", "body": body, "body_encoded": true
        })
        .to_string();
        let r = Recorded::parse(&line).unwrap();
        assert_eq!(r.service, "ec2");
        assert_eq!(r.access_key, "ASIAX");
        assert_eq!(r.action.as_deref(), Some("DescribeVpcs"));
        assert!(r.is_read_only());
    }

    #[test]
    fn writes_are_not_read_only() {
        let mk = |action: Option<&str>, method: &str| Recorded {
            method: method.into(),
            url: String::new(),
            service: "x".into(),
            access_key: String::new(),
            action: action.map(Into::into),
        };
        assert!(!mk(Some("CreateSecurityGroup"), "POST").is_read_only());
        assert!(!mk(Some("AuthorizeSecurityGroupIngress"), "POST").is_read_only());
        assert!(!mk(None, "PUT").is_read_only());
        assert!(!mk(None, "DELETE").is_read_only());
        assert!(mk(None, "GET").is_read_only());
        assert!(mk(Some("AssumeRole"), "POST").is_read_only());
    }

    #[test]
    fn s3_rest_paths_name_their_operation() {
        for (url, op) in [
            ("http://127.0.0.1:1/?max-buckets=10000", "ListBuckets"),
            (
                "http://127.0.0.1:1/tf?list-type=2&max-keys=1000",
                "ListObjectsV2",
            ),
            ("http://127.0.0.1:1/tf?versioning", "GetBucketVersioning"),
            (
                "http://127.0.0.1:1/tf?policyStatus",
                "GetBucketPolicyStatus",
            ),
            ("http://127.0.0.1:1/tf?policy", "GetBucketPolicy"),
            (
                "http://127.0.0.1:1/tf/services/crm/tf.tfstate?x-id=GetObject",
                "GetObject",
            ),
            (
                "http://127.0.0.1:1/v20180820/configuration/publicAccessBlock",
                "GetAccountPublicAccessBlock",
            ),
        ] {
            assert_eq!(rest_action("s3", "GET", url).as_deref(), Some(op), "{url}");
        }
        assert_eq!(
            rest_action("s3", "PUT", "http://127.0.0.1:1/tf?policy"),
            None
        );
    }

    #[test]
    fn account_ids_are_fresh_and_well_formed() {
        let a = unique_account();
        let b = unique_account();
        assert_ne!(a, b);
        assert!(a.len() == 12 && a.bytes().all(|c| c.is_ascii_digit()));
    }
}
