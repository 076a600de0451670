#!/usr/bin/env python3
"""Seeds a large synthetic account into a moto server, for `make bench`.

At scale 1 (the figures in BENCHMARKS.md), in moto's default account 123456789012:
  - 2,000 security groups across us-east-1 and eu-west-1 (10 VPCs per region, 100 groups
    per VPC), each with an ingress rule (every 10th open to 0.0.0.0/0 on SSH);
  - 1,500 IAM roles, each with a trust policy (EC2, a GitHub OIDC subject, or another
    account) and an inline policy;
  - 300 ECR repositories (150 per region), half with a lifecycle policy;
  - 200 S3 buckets across the 2 regions, 4 of them holding Terraform state;
  - 10 EKS clusters (5 per region) with 2 node groups each.
Everything scales linearly with --scale (0.1 makes a quick smoke run).

Requests go out on --workers threads at once; moto's server answers them concurrently.
Prints a JSON manifest of what it made and how long seeding took.
"""
import argparse
import concurrent.futures as cf
import json
import math
import sys
import threading
import time

import boto3
from botocore.config import Config

REGIONS = ["us-east-1", "eu-west-1"]
ACCOUNT = "123456789012"
_local = threading.local()


def client(ep, service, region):
    """One client per thread, service and region (boto3 clients are thread-safe, sessions
    are not; per-thread clients avoid the lock)."""
    cache = getattr(_local, "clients", None)
    if cache is None:
        cache = _local.clients = {}
    key = (service, region)
    if key not in cache:
        cache[key] = boto3.session.Session().client(
            service,
            endpoint_url=ep,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"max_attempts": 5, "mode": "standard"}, max_pool_connections=64),
        )
    return cache[key]


def run_all(pool, fn, items):
    """Runs fn over items on the pool; the first failure stops the seed with its message."""
    for f in cf.as_completed([pool.submit(fn, i) for i in items]):
        f.result()


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=16)
    a = ap.parse_args()
    ep, s = a.endpoint, a.scale
    n = lambda base: max(1, int(math.ceil(base * s)))  # noqa: E731
    started = time.monotonic()
    made = {}
    timing = {}
    mark = [time.monotonic()]

    def lap(part):
        now = time.monotonic()
        timing[part] = round(now - mark[0], 1)
        mark[0] = now

    pool = cf.ThreadPoolExecutor(max_workers=a.workers)

    # --- EC2: VPCs, then security groups with one ingress rule each.
    vpcs_per_region, sgs_per_vpc = 10, n(100)
    vpcs = []
    for region in REGIONS:
        ec2 = client(ep, "ec2", region)
        for v in range(vpcs_per_region):
            vpc = ec2.create_vpc(CidrBlock=f"10.{v}.0.0/16")["Vpc"]["VpcId"]
            vpcs.append((region, vpc, v))

    def sg(item):
        region, vpc, v, i = item
        ec2 = client(ep, "ec2", region)
        gid = ec2.create_security_group(
            GroupName=f"bench-{v}-{i}", Description="bench", VpcId=vpc
        )["GroupId"]
        cidr = "0.0.0.0/0" if i % 10 == 0 else f"10.{v}.{i % 250}.0/24"
        ec2.authorize_security_group_ingress(
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}
            ],
        )

    run_all(pool, sg, [(r, vpc, v, i) for (r, vpc, v) in vpcs for i in range(sgs_per_vpc)])
    made["security_groups"] = len(vpcs) * sgs_per_vpc
    made["vpcs"] = len(vpcs)
    lap("ec2")

    # --- IAM: roles with trust and inline policies.
    roles = n(1500)

    def role(i):
        iam = client(ep, "iam", "us-east-1")
        kind = i % 3
        if kind == 0:
            principal = {"Service": "ec2.amazonaws.com"}
            cond = None
        elif kind == 1:
            principal = {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}
            cond = {"StringLike": {"token.actions.githubusercontent.com:sub": f"repo:bench/svc-{i}:*"}}
        else:
            principal = {"AWS": f"arn:aws:iam::{210000000000 + i}:root"}
            cond = None
        stmt = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if kind == 1:
            stmt["Action"] = "sts:AssumeRoleWithWebIdentity"
        if cond:
            stmt["Condition"] = cond
        name = f"bench-role-{i}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc(stmt), Tags=[{"Key": "team", "Value": f"t{i % 20}"}])
        iam.put_role_policy(
            RoleName=name,
            PolicyName="app",
            PolicyDocument=doc(
                {
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"] if i % 7 else "s3:*",
                    "Resource": f"arn:aws:s3:::bench-data-{i % 50}/*",
                }
            ),
        )

    run_all(pool, role, range(roles))
    made["roles"] = roles
    lap("iam")

    # --- ECR: repositories, half with a lifecycle policy.
    repos = n(300)
    lifecycle = json.dumps(
        {"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 10}, "action": {"type": "expire"}}]}
    )

    def repo(i):
        region = REGIONS[i % 2]
        ecr = client(ep, "ecr", region)
        name = f"bench/svc-{i}"
        ecr.create_repository(
            repositoryName=name,
            imageTagMutability="IMMUTABLE" if i % 2 else "MUTABLE",
            imageScanningConfiguration={"scanOnPush": bool(i % 3)},
        )
        if i % 2:
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=lifecycle)

    run_all(pool, repo, range(repos))
    made["ecr_repositories"] = repos
    lap("ecr")

    # --- S3: buckets in both regions; a few hold Terraform state.
    buckets = n(200)
    state_buckets = max(1, buckets // 50)

    def bucket(i):
        region = REGIONS[i % 2]
        s3 = client(ep, "s3", region)
        name = f"bench-{ACCOUNT}-{i}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        if i < state_buckets:
            for team in ("crm", "payments", "fraud"):
                s3.put_object(Bucket=name, Key=f"services/{team}/terraform.tfstate", Body=b'{"version": 4}')
        elif i % 4 == 0:
            s3.put_object(Bucket=name, Key="data/readme.txt", Body=b"bench")

    run_all(pool, bucket, range(buckets))
    made["buckets"] = buckets
    made["state_buckets"] = state_buckets
    lap("s3")

    # --- EKS: clusters with two node groups each.
    clusters = n(10)
    iam = client(ep, "iam", "us-east-1")
    trust = doc({"Effect": "Allow", "Principal": {"Service": "eks.amazonaws.com"}, "Action": "sts:AssumeRole"})
    cluster_role = iam.create_role(RoleName="bench-eks-cluster", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    node_trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})
    node_role = iam.create_role(RoleName="bench-eks-node", AssumeRolePolicyDocument=node_trust)["Role"]["Arn"]
    subnets = {}
    for region, vpc, v in vpcs:
        if v == 0:
            ec2 = client(ep, "ec2", region)
            subnets[region] = [
                ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{k}.0/24")["Subnet"]["SubnetId"] for k in range(2)
            ]

    def cluster(i):
        region = REGIONS[i % 2]
        eks = client(ep, "eks", region)
        name = f"bench-{i}"
        eks.create_cluster(
            name=name,
            roleArn=cluster_role,
            resourcesVpcConfig={"subnetIds": subnets[region], "endpointPublicAccess": bool(i % 2), "endpointPrivateAccess": True},
        )
        for g in range(2):
            extra = {"remoteAccess": {"ec2SshKey": "bench"}} if g else {}
            eks.create_nodegroup(
                clusterName=name, nodegroupName=f"ng-{g}", subnets=subnets[region], nodeRole=node_role, **extra
            )

    run_all(pool, cluster, range(clusters))
    made["eks_clusters"] = clusters
    made["eks_nodegroups"] = clusters * 2
    lap("eks")
    pool.shutdown()

    made["scale"] = s
    made["seconds"] = round(time.monotonic() - started, 1)
    made["seconds_by_service"] = timing
    json.dump(made, sys.stdout)


if __name__ == "__main__":
    main()
