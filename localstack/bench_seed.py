#!/usr/bin/env python3
"""Seeds a large synthetic account into a moto server, for `make bench`.

At scale 1 (the figures in BENCHMARKS.md), in moto's default account 123456789012, the
shape of a large EKS platform account:
  - 2,000 security groups across us-east-1 and eu-west-1 (10 VPCs per region, 100 groups
    per VPC), each with an ingress rule (every 10th open to 0.0.0.0/0 on SSH), and 408
    network interfaces using them;
  - 12 teams (`team0` .. `team11`) and 60 customer managed policies on their Terraform
    state: per team a reader, a deployer (`s3:*` on the team's prefix), a lock-table
    policy, a deployer with `s3:*` on every team's prefix, and a reader of every bucket's
    objects (the last two are what S3-008 must find);
  - 1,500 IAM roles tagged `team=teamN`, each with a trust policy (EC2, a GitHub OIDC
    subject, or another account), an inline policy and one of the 60 policies attached;
  - 100 IAM users in 12 team groups (each group with its team's deployer policy), tagged
    with their team, every 10th with a policy of another team attached;
  - 300 ECR repositories (150 per region), half with a lifecycle policy;
  - 200 S3 buckets across the 2 regions, each holding `.tfstate` keys
    (`services/teamN/<stack>/terraform.tfstate`) of 1 to 4 of the 12 teams; every 5th
    with a bucket policy refusing plain HTTP;
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
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

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


def retried(call, **kwargs):
    """One request, asked again when moto answers with its HTML error page: moto's IAM
    iterates its roles unguarded while other threads add some ("dictionary changed size
    during iteration", HTTP 500), which botocore cannot parse and so does not retry."""
    for attempt in range(8):
        try:
            return call(**kwargs)
        except ResponseParserError:
            if attempt == 7:
                raise
            time.sleep(0.05 * (attempt + 1))
        except ClientError as e:
            # The failed attempt may have made it before failing.
            if attempt > 0 and e.response["Error"]["Code"] in (
                "EntityAlreadyExists",
                "InvalidGroup.Duplicate",
                "InvalidPermission.Duplicate",
            ):
                return None
            raise


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
        name = f"bench-{v}-{i}"
        # moto's EC2 races like its IAM under concurrent writes (HTTP 500).
        group = retried(ec2.create_security_group, GroupName=name, Description="bench", VpcId=vpc)
        if group is None:
            # A failed attempt that made it before failing: the group is there.
            filters = [
                {"Name": "group-name", "Values": [name]},
                {"Name": "vpc-id", "Values": [vpc]},
            ]
            group = ec2.describe_security_groups(Filters=filters)["SecurityGroups"][0]
        gid = group["GroupId"]
        cidr = "0.0.0.0/0" if i % 10 == 0 else f"10.{v}.{i % 250}.0/24"
        retried(
            ec2.authorize_security_group_ingress,
            GroupId=gid,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": cidr}]}
            ],
        )

    run_all(pool, sg, [(r, vpc, v, i) for (r, vpc, v) in vpcs for i in range(sgs_per_vpc)])
    made["security_groups"] = len(vpcs) * sgs_per_vpc
    made["vpcs"] = len(vpcs)

    # Network interfaces in each VPC's subnet, each with a few of its VPC's groups.
    enis = n(408)
    eni_subnets = {}
    for region, vpc, v in vpcs:
        ec2 = client(ep, "ec2", region)
        eni_subnets[(region, v)] = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{v}.250.0/24")["Subnet"]["SubnetId"]
    groups_by_vpc = {}
    for region in REGIONS:
        ec2 = client(ep, "ec2", region)
        for page in ec2.get_paginator("describe_security_groups").paginate():
            for g in page["SecurityGroups"]:
                if g["GroupName"].startswith("bench-"):
                    groups_by_vpc.setdefault(g["VpcId"], []).append(g["GroupId"])

    def eni(i):
        region, vpc, v = vpcs[i % len(vpcs)]
        groups = groups_by_vpc[vpc]
        ec2 = client(ep, "ec2", region)
        ec2.create_network_interface(
            SubnetId=eni_subnets[(region, v)],
            Groups=[groups[(i * 7 + k) % len(groups)] for k in range(1 + i % 3)],
            Description=f"bench-eni-{i}",
        )

    run_all(pool, eni, range(enis))
    made["network_interfaces"] = enis
    lap("ec2")

    # --- IAM: the teams' state policies (customer managed), then roles and users.
    teams = 12
    state = f"arn:aws:s3:::bench-{ACCOUNT}-*"
    iam = client(ep, "iam", "us-east-1")
    policies = []
    for p in range(60):
        t, kind = p % teams, p // teams
        if kind == 0:  # the team's reader
            stmts = [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [state, f"{state}/services/team{t}/*"]}]
        elif kind == 1:  # the team's deployer
            stmts = [{"Effect": "Allow", "Action": "s3:*", "Resource": f"{state}/services/team{t}/*"}]
        elif kind == 2:  # the lock table and KMS: no object access
            stmts = [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], "Resource": f"arn:aws:dynamodb:*:{ACCOUNT}:table/tf-locks"},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}},
            ]
        elif kind == 3:  # a platform deployer: every team's state (cross-team)
            stmts = [{"Effect": "Allow", "Action": "s3:*", "Resource": f"{state}/services/*"}]
        else:  # a reader of every object of every bucket, with a guard-rail Deny
            stmts = [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::*/*"},
                {"Effect": "Deny", "Action": "s3:*", "NotResource": f"{state}/*"},
            ]
        name = f"bench-state-{p}"
        arn = iam.create_policy(PolicyName=name, PolicyDocument=doc(*stmts))["Policy"]["Arn"]
        policies.append(arn)
    made["customer_policies"] = len(policies)

    def deployer(t):
        return policies[teams + t]

    groups = []
    for t in range(teams):
        g = f"bench-team{t}"
        iam.create_group(GroupName=g)
        iam.attach_group_policy(GroupName=g, PolicyArn=deployer(t))
        groups.append(g)

    users = n(100)

    def user(i):
        iam = client(ep, "iam", "us-east-1")
        t = i % teams
        name = f"bench-user-{i}"
        retried(iam.create_user, UserName=name, Tags=[{"Key": "team", "Value": f"team{t}"}])
        retried(iam.add_user_to_group, GroupName=groups[t], UserName=name)
        if i % 10 == 0:
            retried(iam.attach_user_policy, UserName=name, PolicyArn=deployer((t + 1) % teams))

    run_all(pool, user, range(users))
    made["users"] = users
    made["groups"] = teams

    # Roles with trust and inline policies, and one of the state policies.
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
        retried(iam.create_role, RoleName=name, AssumeRolePolicyDocument=doc(stmt), Tags=[{"Key": "team", "Value": f"team{i % teams}"}])
        retried(iam.attach_role_policy, RoleName=name, PolicyArn=policies[i % len(policies)])
        retried(
            iam.put_role_policy,
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

    # --- S3: buckets in both regions, each with the state of 1 to 4 teams.
    buckets = n(200)
    stacks = ("network", "app", "data")
    state_keys = [0]

    def bucket(i):
        region = REGIONS[i % 2]
        s3 = client(ep, "s3", region)
        name = f"bench-{ACCOUNT}-{i}"
        if region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
        for k in range(1 + i % 4):
            team = (i + 5 * k) % teams
            for stack in stacks[: 1 + (i + k) % 3]:
                s3.put_object(
                    Bucket=name,
                    Key=f"services/team{team}/{stack}/terraform.tfstate",
                    Body=b'{"version": 4, "resources": []}',
                )
                state_keys.append(1)
        if i % 4 == 0:
            s3.put_object(Bucket=name, Key="data/readme.txt", Body=b"bench")
        if i % 5 == 0:
            s3.put_bucket_policy(
                Bucket=name,
                Policy=doc(
                    {
                        "Sid": "DenyPlainHttp",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ),
            )

    run_all(pool, bucket, range(buckets))
    made["buckets"] = buckets
    made["state_buckets"] = buckets
    made["state_keys"] = sum(state_keys)
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
