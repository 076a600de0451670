#!/usr/bin/env python3
"""Seeds the demo account in the emulator: realistic EC2/VPC, ECR and IAM misconfigurations
and, next to each, a correct look-alike that must pass.

    seed_demo.py --endpoint http://127.0.0.1:PORT [--account 111122223333] [--expect FILE]

It acts in the demo account by assuming a role there (moto gives every account id its own
empty world), exactly as the auditor does. With --expect it writes the list of planted
resources and the status each must get from which check: the end-to-end test and
`make demo` compare the report against it.

S3: the Terraform state layout of seed 002 (see seed_s3).
"""
import argparse
import datetime
import json
import os
import sys
import tomllib

import boto3

DEMO_ACCOUNT = "111122223333"
PRIMARY, SECONDARY = "us-east-1", "eu-west-1"


class Demo:
    def __init__(self, endpoint, account):
        sts = boto3.client("sts", endpoint_url=endpoint, region_name=PRIMARY,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/demo-seed",
                                RoleSessionName="demo-seed")["Credentials"]
        self.session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                     aws_secret_access_key=creds["SecretAccessKey"],
                                     aws_session_token=creds["SessionToken"])
        self.endpoint = endpoint
        self.account = account
        self.expect = []

    def client(self, service, region):
        return self.session.client(service, endpoint_url=self.endpoint, region_name=region)

    def organization(self):
        """The demo account's organisation (it manages one, as a platform's accounts do), so
        that policies name its real id and the auditor compares them with
        organizations:DescribeOrganization."""
        org = self.client("organizations", PRIMARY)
        try:
            org.create_organization(FeatureSet="ALL")
        except org.exceptions.AlreadyInOrganizationException:
            pass
        self.org_id = org.describe_organization()["Organization"]["Id"]
        return self.org_id

    def planted(self, code, region, resource_id, status, why):
        self.expect.append({"code": code, "region": region, "resource_id": resource_id,
                            "status": status, "why": why})


def tag(name, **extra):
    tags = [{"Key": "Name", "Value": name}] + [{"Key": k, "Value": v} for k, v in extra.items()]
    return tags


def sg(ec2, vpc, name, rules):
    gid = ec2.create_security_group(GroupName=name, Description=f"demo {name}", VpcId=vpc,
                                    TagSpecifications=[{"ResourceType": "security-group",
                                                        "Tags": tag(name)}])["GroupId"]
    if rules:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=rules)
    return gid


def tcp(port, cidr=None, cidr6=None, group=None, to=None):
    rule = {"IpProtocol": "tcp", "FromPort": port, "ToPort": to or port}
    if cidr:
        rule["IpRanges"] = [{"CidrIp": cidr}]
    if cidr6:
        rule["Ipv6Ranges"] = [{"CidrIpv6": cidr6}]
    if group:
        rule["UserIdGroupPairs"] = [{"GroupId": group}]
    return rule


def seed_primary(d):
    r = PRIMARY
    ec2 = d.client("ec2", r)
    s3 = d.client("s3", r)
    vpc = ec2.create_vpc(CidrBlock="10.10.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": tag("prod")}])["Vpc"]["VpcId"]

    # Flow logs on the prod VPC: EC2-006 passes.
    # Bucket names are global (in moto too): one per seeded account.
    bucket = f"demo-vpc-flow-logs-{d.account}"
    s3.create_bucket(Bucket=bucket)
    ec2.create_flow_logs(ResourceIds=[vpc], ResourceType="VPC", TrafficType="ALL",
                         LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{bucket}")
    d.planted("EC2-006", r, vpc, "pass", "prod VPC has an ALL-traffic flow log to S3")

    # The prod VPC's default security group emptied: EC2-004 passes.
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                       {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    if default_sg["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissions"])
    if default_sg["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissionsEgress"])
    d.planted("EC2-004", r, default_sg["GroupId"], "pass", "prod VPC's default group has no rules")

    # Security groups: the bad ones and their look-alikes.
    app = sg(ec2, vpc, "orders-app", [tcp(8080, cidr="10.10.0.0/16")])
    bastion = sg(ec2, vpc, "legacy-bastion", [tcp(22, cidr="0.0.0.0/0")])
    d.planted("EC2-002", r, bastion, "fail", "SSH open to 0.0.0.0/0")
    d.planted("EC2-001", r, bastion, "pass", "only port 22, not all traffic")
    debug = sg(ec2, vpc, "debug-anything", [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    for code in ("EC2-001", "EC2-002", "EC2-003"):
        d.planted(code, r, debug, "fail", "all traffic open to 0.0.0.0/0")
    db = sg(ec2, vpc, "orders-db-public", [tcp(5432, cidr="0.0.0.0/0")])
    d.planted("EC2-003", r, db, "fail", "PostgreSQL open to 0.0.0.0/0")
    cache = sg(ec2, vpc, "sessions-cache", [tcp(6379, cidr6="::/0")])
    d.planted("EC2-003", r, cache, "fail", "Redis open to ::/0")
    vpn = sg(ec2, vpc, "bastion-vpn-only", [tcp(22, cidr="10.8.0.0/16")])
    d.planted("EC2-002", r, vpn, "pass", "SSH only from the VPN range")
    alb = sg(ec2, vpc, "web-alb", [tcp(443, cidr="0.0.0.0/0", cidr6="::/0"), tcp(80, cidr="0.0.0.0/0")])
    for code in ("EC2-001", "EC2-002", "EC2-003"):
        d.planted(code, r, alb, "pass", "HTTP/HTTPS from the internet is what a load balancer is for")
    db_ok = sg(ec2, vpc, "orders-db", [tcp(5432, group=app)])
    d.planted("EC2-003", r, db_ok, "pass", "PostgreSQL only from the app's security group")
    # The internet in pieces: two halves of the IPv4 space, and a prefix list holding it all.
    halves = sg(ec2, vpc, "jump-host-halves", [tcp(22, cidr="0.0.0.0/1"), tcp(22, cidr="128.0.0.0/1")])
    d.planted("EC2-002", r, halves, "fail", "SSH from 0.0.0.0/1 and 128.0.0.0/1: the whole internet together")
    partners = ec2.create_managed_prefix_list(PrefixListName="partners", AddressFamily="IPv4", MaxEntries=5,
                                              Entries=[{"Cidr": "0.0.0.0/0", "Description": "temporary"}])["PrefixList"]["PrefixListId"]
    offices = ec2.create_managed_prefix_list(PrefixListName="offices", AddressFamily="IPv4", MaxEntries=5,
                                             Entries=[{"Cidr": "10.20.0.0/16"}, {"Cidr": "192.168.0.0/16"}])["PrefixList"]["PrefixListId"]
    via_list = sg(ec2, vpc, "reporting-db-partners",
                  [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "PrefixListIds": [{"PrefixListId": partners}]}])
    d.planted("EC2-003", r, via_list, "fail", "PostgreSQL from a prefix list that holds 0.0.0.0/0")
    office_only = sg(ec2, vpc, "reporting-db-offices",
                     [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "PrefixListIds": [{"PrefixListId": offices}]}])
    d.planted("EC2-003", r, office_only, "pass", "PostgreSQL from a prefix list of private office ranges")

    # Subnets and routes: a data tier with a NAT route (bad) and one without (good).
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.0.0/24", AvailabilityZone="us-east-1a",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tag("public-a")}])["Subnet"]["SubnetId"]
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    iso = {"auditor:isolated": "true"}
    data_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.10.0/24", AvailabilityZone="us-east-1a",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tag("data-a", **iso)}])["Subnet"]["SubnetId"]
    nat_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=nat_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=nat_rt, SubnetId=data_a)
    d.planted("EC2-010", r, data_a, "fail", "isolated data subnet routes 0.0.0.0/0 to a NAT gateway")
    data_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.10.11.0/24", AvailabilityZone="us-east-1b",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tag("data-b", **iso)}])["Subnet"]["SubnetId"]
    local_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=local_rt, SubnetId=data_b)
    d.planted("EC2-010", r, data_b, "pass", "isolated data subnet has only the local route")

    # Network ACLs: SSH allowed from the internet (bad); SSH/RDP denied first (good).
    dmz_acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[{"ResourceType": "network-acl", "Tags": tag("dmz")}])["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=dmz_acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    d.planted("EC2-005", r, dmz_acl, "fail", "rule 100 allows SSH from 0.0.0.0/0")
    data_acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[{"ResourceType": "network-acl", "Tags": tag("data")}])["NetworkAcl"]["NetworkAclId"]
    for n, port in ((50, 22), (60, 3389)):
        ec2.create_network_acl_entry(NetworkAclId=data_acl, RuleNumber=n, Protocol="6", RuleAction="deny",
                                     Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": port, "To": port})
    ec2.create_network_acl_entry(NetworkAclId=data_acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0")
    d.planted("EC2-005", r, data_acl, "pass", "SSH and RDP denied before the allow-all entry")
    split_acl = ec2.create_network_acl(VpcId=vpc, TagSpecifications=[{"ResourceType": "network-acl", "Tags": tag("split")}])["NetworkAcl"]["NetworkAclId"]
    for n, cidr in ((100, "0.0.0.0/1"), (110, "128.0.0.0/1")):
        ec2.create_network_acl_entry(NetworkAclId=split_acl, RuleNumber=n, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock=cidr, PortRange={"From": 22, "To": 22})
    d.planted("EC2-005", r, split_acl, "fail", "rules 100 and 110 allow SSH from the two halves of the internet")

    # Instances: IMDSv1 allowed (bad) and IMDSv2 required (good).
    ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    def instance(name, tokens):
        return ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=public,
                                 MetadataOptions={"HttpTokens": tokens, "HttpEndpoint": "enabled"},
                                 TagSpecifications=[{"ResourceType": "instance", "Tags": tag(name)}])["Instances"][0]["InstanceId"]
    legacy = instance("legacy-worker", "optional")
    d.planted("EC2-008", r, legacy, "fail", "HttpTokens optional: IMDSv1 served")
    api = instance("api-server", "required")
    d.planted("EC2-008", r, api, "pass", "HttpTokens required: IMDSv2 only")

    # EBS encryption by default: on in the primary region.
    ec2.enable_ebs_encryption_by_default()
    d.planted("EC2-009", r, "ebs-encryption-by-default", "pass", "encryption by default enabled")


def seed_secondary(d):
    r = SECONDARY
    ec2 = d.client("ec2", r)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": tag("staging")}])["Vpc"]["VpcId"]
    d.planted("EC2-006", r, vpc, "fail", "staging VPC has no flow logs")
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                       {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    d.planted("EC2-004", r, default_sg["GroupId"], "fail", "staging VPC's default group keeps AWS's initial rules")
    d.planted("EC2-009", r, "ebs-encryption-by-default", "fail", "encryption by default never enabled here")


def seed_ecr(d):
    """ECR in both regions: bad repositories next to correct look-alikes."""
    acct = d.account
    r = PRIMARY
    ecr = d.client("ecr", r)
    public = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AnyonePulls", "Effect": "Allow", "Principal": "*",
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]}]})
    org_only = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OrgPulls", "Effect": "Allow", "Principal": "*", "Action": ["ecr:BatchGetImage"],
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": d.org_id}}}]})
    partner = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PartnerPush", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
         "Action": ["ecr:PutImage", "ecr:BatchGetImage"]}]})
    lifecycle = json.dumps({"rules": [{"rulePriority": 1, "selection": {"tagStatus": "untagged",
        "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 14}, "action": {"type": "expire"}}]})

    def repo(name, immutable, scan, kms, policy=None, with_lifecycle=True):
        ecr.create_repository(
            repositoryName=name,
            imageTagMutability="IMMUTABLE" if immutable else "MUTABLE",
            imageScanningConfiguration={"scanOnPush": scan},
            encryptionConfiguration={"encryptionType": "KMS"} if kms else {"encryptionType": "AES256"})
        if policy:
            ecr.set_repository_policy(repositoryName=name, policyText=policy)
        if with_lifecycle:
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=lifecycle)

    repo("legacy/monolith", immutable=False, scan=False, kms=False, policy=public, with_lifecycle=False)
    for code, why in (("ECR-001", "tags are MUTABLE"), ("ECR-002", "no scan on push, no registry rule"),
                      ("ECR-003", "no lifecycle policy"), ("ECR-004", "policy lets Principal * pull"),
                      ("ECR-005", "AES256 encryption")):
        d.planted(code, r, "legacy/monolith", "fail", why)
    repo("platform/api", immutable=True, scan=True, kms=True, policy=org_only)
    for code, why in (("ECR-001", "IMMUTABLE"), ("ECR-002", "scan on push (basic)"), ("ECR-003", "lifecycle policy"),
                      ("ECR-004", "Principal * restricted by aws:PrincipalOrgID"), ("ECR-005", "KMS encryption")):
        d.planted(code, r, "platform/api", "pass", why)
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
                                      "digest": "sha256:" + "ab" * 32}, "layers": []})
    ecr.put_image(repositoryName="platform/api", imageManifest=manifest, imageTag="1.4.2")
    d.planted("ECR-006", r, "platform/api", "not_assessed", "moto reports no scan results for images")
    repo("partner/shared", immutable=True, scan=True, kms=True, policy=partner)
    d.planted("ECR-004", r, "partner/shared", "fail", "another account (444455556666) may push, unconditioned")
    d.planted("ECR-004", r, acct, "pass", "no registry policy")
    d.planted("ECR-007", r, "*", "not_assessed", "moto does not implement pull-through cache rules")

    # The secondary region scans ENHANCED, continuously, for prod/* only: a repository outside
    # the filter is not scanned even though its own scan-on-push flag is set.
    r = SECONDARY
    ecr = d.client("ecr", r)
    ecr.put_registry_scanning_configuration(scanType="ENHANCED", rules=[
        {"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "prod/*", "filterType": "WILDCARD"}]}])
    repo("prod/payments", immutable=True, scan=False, kms=True)
    d.planted("ECR-002", r, "prod/payments", "pass", "enhanced continuous scanning rule prod/*")
    repo("sandbox/tools", immutable=True, scan=True, kms=True)
    d.planted("ECR-002", r, "sandbox/tools", "fail", "enhanced scanning ignores the repository flag; no rule matches")


def seed_eks(d):
    """EKS: a well configured cluster and a badly configured one, with their VPCs, node
    groups, launch templates, node instances and IAM roles. Returns the clusters' OIDC issuer
    (moto gives every cluster of a process the same one) for the IRSA roles of seed_iam."""
    acct, r = d.account, PRIMARY
    ec2, eks, iam = d.client("ec2", r), d.client("eks", r), d.client("iam", r)

    def vpc_with(name, cidr):
        return ec2.create_vpc(CidrBlock=cidr, TagSpecifications=[{"ResourceType": "vpc", "Tags": tag(name)}])["Vpc"]["VpcId"]

    def subnet(vpc, name, cidr, public=False):
        sid = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{r}a",
                                TagSpecifications=[{"ResourceType": "subnet", "Tags": tag(name)}])["Subnet"]["SubnetId"]
        if public:
            ec2.modify_subnet_attribute(SubnetId=sid, MapPublicIpOnLaunch={"Value": True})
        return sid

    # The good cluster's VPC: private subnets only, ECR and S3 endpoints (EC2-007 passes).
    good_vpc = vpc_with("eks-payments", "10.20.0.0/16")
    priv_a = subnet(good_vpc, "eks-payments-private-a", "10.20.1.0/24")
    priv_b = subnet(good_vpc, "eks-payments-private-b", "10.20.2.0/24")
    # ECR's endpoints keep AWS's default policy (full access: EC2-012 fails); S3's is
    # narrowed to the account's own registry layers and state.
    for svc in ("ecr.api", "ecr.dkr"):
        vpce = ec2.create_vpc_endpoint(VpcId=good_vpc, ServiceName=f"com.amazonaws.{r}.{svc}",
                                       VpcEndpointType="Interface", SubnetIds=[priv_a, priv_b])["VpcEndpoint"]["VpcEndpointId"]
        d.planted("EC2-012", r, vpce, "fail", "AWS's default endpoint policy: any principal, any action, any resource")
    s3_policy = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject"],
        "Resource": [f"arn:aws:s3:::prod-{r}-starport-layer-bucket/*"]}]})
    vpce = ec2.create_vpc_endpoint(VpcId=good_vpc, ServiceName=f"com.amazonaws.{r}.s3", VpcEndpointType="Gateway",
                                   PolicyDocument=s3_policy)["VpcEndpoint"]["VpcEndpointId"]
    d.planted("EC2-012", r, vpce, "pass", "S3 endpoint policy narrowed to ECR's layer bucket")
    d.planted("EC2-007", r, good_vpc, "pass", "ecr.api, ecr.dkr and s3 endpoints in the cluster's VPC")
    good_sg = sg(ec2, good_vpc, "eks-payments-cluster", [])
    ec2.authorize_security_group_ingress(GroupId=good_sg, IpPermissions=[
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": good_sg}]}])

    # The bad cluster's VPC: a public subnet routed to an internet gateway, no endpoints.
    bad_vpc = vpc_with("eks-legacy", "10.30.0.0/16")
    public = subnet(bad_vpc, "eks-legacy-public", "10.30.100.0/24", public=True)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=bad_vpc)
    rtb = ec2.create_route_table(VpcId=bad_vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=rtb, SubnetId=public)
    d.planted("EC2-007", r, bad_vpc, "fail", "a cluster's VPC without ECR or S3 endpoints: image pulls leave the VPC")
    bad_sg = sg(ec2, bad_vpc, "eks-legacy-cluster", [tcp(443, "0.0.0.0/0")])

    # Roles: dedicated cluster role and minimal node role; a shared cluster role and a node
    # role with administrator access.
    def role(name, services, attach=()):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": services}, "Action": "sts:AssumeRole"}]}))
        for p in attach:
            iam.attach_role_policy(RoleName=name, PolicyArn=f"arn:aws:iam::aws:policy/{p}")
        return f"arn:aws:iam::{acct}:role/{name}"
    good_role = role("eks-payments-cluster", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
    bad_role = role("eks-legacy-cluster", ["eks.amazonaws.com", "ec2.amazonaws.com"], ["AmazonEKSClusterPolicy"])
    node_policies = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"]
    good_node = role("eks-payments-node", "ec2.amazonaws.com", node_policies)
    bad_node = role("eks-legacy-node", "ec2.amazonaws.com", node_policies + ["AdministratorAccess"])
    d.planted("EKS-015", "", "eks-payments-node", "pass", "only the worker, CNI and ECR read-only policies")
    d.planted("EKS-015", "", "eks-legacy-node", "fail", "AdministratorAccess on the node role: every pod gets it")

    # The clusters. The good one runs the newest version the shipped calendar knows, planted
    # as passing only while that version is in standard support (the calendar is dated).
    cal = tomllib.load(open(os.path.join(os.path.dirname(__file__), "..", "config", "eks-versions.toml"), "rb"))
    newest = max(cal["version"], key=lambda v: tuple(int(x) for x in v["version"].split(".")))
    today = datetime.date.today().isoformat()
    eks.create_cluster(
        name="payments-prod", version=newest["version"], roleArn=good_role,
        resourcesVpcConfig={"subnetIds": [priv_a, priv_b], "securityGroupIds": [good_sg],
                            "endpointPublicAccess": False, "endpointPrivateAccess": True},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": f"arn:aws:kms:{r}:{acct}:key/0f6e7d5c-demo"}}],
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator"], "enabled": True}]})
    eks.create_cluster(
        name="legacy-tools", version="1.29", roleArn=bad_role,
        resourcesVpcConfig={"subnetIds": [public], "securityGroupIds": [bad_sg],
                            "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
        logging={"clusterLogging": [{"types": ["api"], "enabled": True},
                                    {"types": ["audit", "authenticator"], "enabled": False}]})
    for code, good_why, bad_why in [
        ("EKS-001", "secrets envelope-encrypted with a KMS key", "no encryptionConfig"),
        ("EKS-002", "private endpoint only", "publicAccessCidrs: 0.0.0.0/0"),
        ("EKS-003", "api, audit and authenticator logs on", "audit and authenticator logs off"),
        ("EKS-005", "cluster role trusts only eks.amazonaws.com", "cluster role also trusts ec2.amazonaws.com"),
        ("EKS-012", "cluster security group: only itself as source", "cluster security group: 443 from 0.0.0.0/0"),
    ]:
        d.planted(code, r, "payments-prod", "pass", good_why)
        d.planted(code, r, "legacy-tools", "fail", bad_why)
    if today < newest["end_of_standard_support"]:
        d.planted("EKS-004", r, "payments-prod", "pass", f"{newest['version']}, the newest version, in standard support")
    d.planted("EKS-004", r, "legacy-tools", "fail", "1.29: past the end of extended support")
    # moto has no accessConfig and no access entries: the checks must say so.
    d.planted("EKS-013", r, "payments-prod", "not_assessed", "moto returns no accessConfig")
    d.planted("EKS-014", r, "payments-prod", "not_assessed", "moto does not offer ListAccessEntries")

    # Node groups. moto injects an SSH key into node groups without remoteAccess, so the good
    # group names a source security group and no key (real EKS: omit remoteAccess).
    eks.create_nodegroup(clusterName="payments-prod", nodegroupName="general", nodeRole=good_node,
                         subnets=[priv_a, priv_b], amiType="AL2023_x86_64_STANDARD",
                         remoteAccess={"sourceSecurityGroups": [good_sg]})
    for code, why in [("EKS-008", "no SSH key on the nodes"), ("EKS-009", "EKS-optimized AL2023 AMI"),
                      ("EKS-011", "private subnets only"), ("EKS-010", "nodes require IMDSv2, hop limit 1")]:
        d.planted(code, r, "payments-prod/general", "pass", why)
    ec2.run_instances(ImageId="ami-12c6146b", MinCount=1, MaxCount=1, InstanceType="t3.medium", SubnetId=priv_a,
                      MetadataOptions={"HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled"},
                      TagSpecifications=[{"ResourceType": "instance", "Tags": tag(
                          "payments-prod-general-node", **{"eks:cluster-name": "payments-prod",
                                                           "eks:nodegroup-name": "general"})}])
    eks.create_nodegroup(clusterName="legacy-tools", nodegroupName="ssh-public", nodeRole=bad_node,
                         subnets=[public], remoteAccess={"ec2SshKey": "legacy-ops"})
    d.planted("EKS-008", r, "legacy-tools/ssh-public", "fail", "remoteAccess.ec2SshKey set, open to 0.0.0.0/0")
    d.planted("EKS-011", r, "legacy-tools/ssh-public", "fail", "public subnet routed to an internet gateway")
    lt = ec2.create_launch_template(LaunchTemplateName="legacy-nodes", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 2}})["LaunchTemplate"]
    eks.create_nodegroup(clusterName="legacy-tools", nodegroupName="imdsv1", nodeRole=bad_node,
                         subnets=[public], launchTemplate={"id": lt["LaunchTemplateId"], "version": "1"})
    d.planted("EKS-010", r, "legacy-tools/imdsv1", "fail", "launch template allows IMDSv1 with hop limit 2")
    d.planted("EC2-011", r, lt["LaunchTemplateId"], "fail", "default and latest version serve IMDSv1, hop limit 2")
    d.planted("EKS-008", r, "legacy-tools/imdsv1", "pass",
              "its launch template names no key pair (moto's invented remoteAccess key is not used)")
    # A node group whose SSH comes from its launch template: a key pair, and a security group
    # that admits port 22 from the internet.
    ssh_sg = ec2.create_security_group(GroupName="legacy-ssh-nodes", Description="ssh to nodes",
                                       VpcId=bad_vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ssh_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ssh_lt = ec2.create_launch_template(LaunchTemplateName="legacy-ssh-nodes", LaunchTemplateData={
        "KeyName": "legacy-ops", "SecurityGroupIds": [ssh_sg],
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}})["LaunchTemplate"]
    eks.create_nodegroup(clusterName="legacy-tools", nodegroupName="ssh-template", nodeRole=bad_node,
                         subnets=[public], launchTemplate={"id": ssh_lt["LaunchTemplateId"], "version": "$Latest"})
    d.planted("EKS-008", r, "legacy-tools/ssh-template", "fail",
              "its launch template installs key pair legacy-ops and its security group admits 22 from 0.0.0.0/0")
    d.planted("EC2-011", r, ssh_lt["LaunchTemplateId"], "pass", "requires IMDSv2, hop limit 1")
    # Stand-alone templates no node group uses yet: what the next instances will run.
    batch = ec2.create_launch_template(LaunchTemplateName="batch-workers", LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": 1}})["LaunchTemplate"]
    ec2.create_launch_template_version(LaunchTemplateId=batch["LaunchTemplateId"], LaunchTemplateData={
        "MetadataOptions": {"HttpTokens": "optional", "HttpPutResponseHopLimit": 1}})
    d.planted("EC2-011", r, batch["LaunchTemplateId"], "fail",
              "the default requires IMDSv2, but the latest version (2) serves IMDSv1")

    # moto does not offer ListAddons: the add-on checks must say so.
    for cluster in ("payments-prod", "legacy-tools"):
        d.planted("EKS-016", r, cluster, "not_assessed", "moto does not offer ListAddons")

    issuer = eks.describe_cluster(name="payments-prod")["cluster"]["identity"]["oidc"]["issuer"]
    return issuer.removeprefix("https://"), {"good_vpc": good_vpc, "bad_vpc": bad_vpc, "bad_public": public}


def seed_elb(d, net):
    """Elastic Load Balancing: a well configured internet-facing ALB in public subnets of
    its own, and a badly configured one in the subnet of the legacy cluster's nodes."""
    r = PRIMARY
    ec2, elb, acm = d.client("ec2", r), d.client("elbv2", r), d.client("acm", r)

    def subnet(vpc, name, cidr, az):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{r}{az}",
                                 TagSpecifications=[{"ResourceType": "subnet", "Tags": tag(name)}])["Subnet"]["SubnetId"]
    cert = acm.request_certificate(DomainName="payments.example.com")["CertificateArn"]

    def alb(name, subnets, vpc, http_action, policy, attributes):
        lb = elb.create_load_balancer(Name=name, Subnets=subnets, Scheme="internet-facing", Type="application",
                                      SecurityGroups=[sg(ec2, vpc, f"{name}-lb", [tcp(443, "0.0.0.0/0"), tcp(80, "0.0.0.0/0")])]
                                      )["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elb.create_target_group(Name=f"{name}-tg", Protocol="HTTP", Port=8080, VpcId=vpc,
                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        forward = [{"Type": "forward", "TargetGroupArn": tg}]
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                            DefaultActions=http_action or forward)
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTPS", Port=443, SslPolicy=policy,
                            Certificates=[{"CertificateArn": cert}], DefaultActions=forward)
        if attributes:
            elb.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
                {"Key": k, "Value": v} for k, v in attributes.items()])

    good_a = subnet(net["good_vpc"], "eks-payments-public-a", "10.20.101.0/24", "a")
    good_b = subnet(net["good_vpc"], "eks-payments-public-b", "10.20.102.0/24", "b")
    alb("payments-web", [good_a, good_b], net["good_vpc"],
        [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}],
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        {"routing.http.drop_invalid_header_fields.enabled": "true", "deletion_protection.enabled": "true"})
    bad_b = subnet(net["bad_vpc"], "eks-legacy-public-b", "10.30.101.0/24", "b")
    alb("legacy-web", [net["bad_public"], bad_b], net["bad_vpc"], None, "ELBSecurityPolicy-2016-08", {})
    for code, good_why, bad_why in [
        ("ELB-001", "HTTP:80 redirects to HTTPS", "HTTP:80 forwards to the targets in clear text"),
        ("ELB-002", "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-2016-08 allows TLS 1.0 and 1.1"),
        ("ELB-003", "invalid header fields dropped", "invalid header fields passed on (the default)"),
        ("ELB-004", "deletion protection on", "deletion protection off (the default)"),
        ("ELB-005", "public subnets of its own", "shares the legacy cluster's node subnet"),
    ]:
        d.planted(code, r, "payments-web", "pass", good_why)
        d.planted(code, r, "legacy-web", "fail", bad_why)


def seed_guardduty(d):
    """GuardDuty: on in the primary region with EKS audit logs but runtime monitoring whose
    agent is left unmanaged; off in the secondary region."""
    gd = d.client("guardduty", PRIMARY)
    gd.create_detector(Enable=True, Features=[
        {"Name": "EKS_AUDIT_LOGS", "Status": "ENABLED"},
        {"Name": "RUNTIME_MONITORING", "Status": "ENABLED",
         "AdditionalConfiguration": [{"Name": "EKS_ADDON_MANAGEMENT", "Status": "DISABLED"}]}])
    d.planted("GUARDDUTY-001", PRIMARY, "guardduty", "pass", "an enabled detector")
    d.planted("GUARDDUTY-001", SECONDARY, "guardduty", "fail", "no detector in the region")
    d.planted("GUARDDUTY-002", PRIMARY, "guardduty", "fail", "EKS clusters run; runtime monitoring's agent is not managed")


def seed_cloudtrail(d):
    """CloudTrail: a multi-region trail with validation and a KMS key into a blocked bucket,
    and a one-region trail without either into a bucket without a public access block."""
    r = PRIMARY
    s3, ct = d.client("s3", r), d.client("cloudtrail", r)
    good_bucket, bad_bucket = f"audit-trail-{d.account}", f"legacy-trail-{d.account}"
    for b in (good_bucket, bad_bucket):
        s3.create_bucket(Bucket=b)
    s3.put_public_access_block(Bucket=good_bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    ct.create_trail(Name="management-events", S3BucketName=good_bucket, IsMultiRegionTrail=True,
                    EnableLogFileValidation=True, KmsKeyId=f"arn:aws:kms:{r}:{d.account}:key/0f6e7d5c-trail")
    ct.start_logging(Name="management-events")
    ct.create_trail(Name="legacy-trail", S3BucketName=bad_bucket)
    ct.start_logging(Name="legacy-trail")
    d.planted("CLOUDTRAIL-001", "", "cloudtrail", "pass", "management-events: multi-region, logging, management events")
    for code, good_why, bad_why in [
        ("CLOUDTRAIL-002", "log file validation on", "log file validation off"),
        ("CLOUDTRAIL-003", "KMS key set", "no KMS key"),
        ("CLOUDTRAIL-004", "bucket blocked from public access", "bucket without a public access block"),
    ]:
        d.planted(code, r, "management-events", "pass", good_why)
        d.planted(code, r, "legacy-trail", "fail", bad_why)


def seed_iam(d, issuer):
    """IAM: trust policies first (anyone, other accounts, IRSA, GitHub OIDC), admin access,
    console users without MFA, directly attached policies; each next to a correct look-alike."""
    acct, r = d.account, PRIMARY
    iam = d.client("iam", r)
    # The EKS clusters' issuer: IRSA roles trust the provider of a cluster that exists.
    iam.create_open_id_connect_provider(Url=f"https://{issuer}", ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    provider = f"arn:aws:iam::{acct}:oidc-provider/{issuer}"
    gh = "token.actions.githubusercontent.com"
    iam.create_open_id_connect_provider(Url=f"https://{gh}", ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"])
    gh_provider = f"arn:aws:iam::{acct}:oidc-provider/{gh}"

    def role(name, *statements, attach=(), inline=None):
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": list(statements)}))
        for arn in attach:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        if inline:
            iam.put_role_policy(RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(inline))

    def assume(principal, condition=None, sid=None):
        st = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
        if sid:
            st["Sid"] = sid
        if condition:
            st["Condition"] = condition
        return st

    def web(provider_arn, condition):
        st = {"Effect": "Allow", "Principal": {"Federated": provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity"}
        if condition:
            st["Condition"] = condition
        return st

    role("public-assumable", assume("*", sid="AnyoneAtAll"))
    d.planted("IAM-001", "", "public-assumable", "fail", "trust policy Principal * with no condition")
    role("org-assumable", assume({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": d.org_id}}))
    d.planted("IAM-001", "", "org-assumable", "pass", "Principal * restricted to the organization")
    role("vendor-no-external-id", assume({"AWS": "arn:aws:iam::444455556666:root"}, sid="Vendor"))
    d.planted("IAM-002", "", "vendor-no-external-id", "fail", "another account, no sts:ExternalId")
    role("vendor-with-external-id", assume({"AWS": "arn:aws:iam::444455556666:root"},
                                           {"StringEquals": {"sts:ExternalId": "f3b1-agreed-with-vendor"}}))
    d.planted("IAM-002", "", "vendor-with-external-id", "pass", "another account, with sts:ExternalId")
    aud = {f"{issuer}:aud": "sts.amazonaws.com"}
    role("irsa-no-sub", web(provider, {"StringEquals": aud}))
    d.planted("IAM-003", "", "irsa-no-sub", "fail", "IRSA trust without :sub")
    role("irsa-wildcard-sub", web(provider, {"StringLike": {f"{issuer}:sub": "system:serviceaccount:*"}, "StringEquals": aud}))
    d.planted("IAM-003", "", "irsa-wildcard-sub", "fail", "IRSA :sub system:serviceaccount:*")
    role("irsa-namespace-wide", web(provider, {"StringLike": {f"{issuer}:sub": "system:serviceaccount:payments:*"}, "StringEquals": aud}))
    d.planted("IAM-003", "", "irsa-namespace-wide", "fail", "IRSA :sub for the whole payments namespace")
    role("irsa-no-aud", web(provider, {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:payments:api"}}))
    d.planted("IAM-004", "", "irsa-no-aud", "fail", "IRSA trust without :aud")
    role("irsa-payments-api", web(provider, {"StringEquals": {f"{issuer}:sub": "system:serviceaccount:payments:api", **aud}}))
    d.planted("IAM-003", "", "irsa-payments-api", "pass", "IRSA scoped to one service account")
    d.planted("IAM-004", "", "irsa-payments-api", "pass", "IRSA requires the STS audience")
    d.planted("IAM-006", "", "irsa-payments-api", "pass", "its OIDC provider and its cluster exist")
    d.planted("EKS-006", r, "payments-prod", "pass", "an IAM OIDC provider for the cluster's issuer")
    retired = "oidc.eks.us-east-1.amazonaws.com/id/RETIRED00000000000000"
    iam.create_open_id_connect_provider(Url=f"https://{retired}", ClientIDList=["sts.amazonaws.com"],
                                        ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    role("irsa-retired-cluster", web(f"arn:aws:iam::{acct}:oidc-provider/{retired}",
                                     {"StringEquals": {f"{retired}:sub": "system:serviceaccount:a:b",
                                                       f"{retired}:aud": "sts.amazonaws.com"}}))
    d.planted("IAM-006", "", "irsa-retired-cluster", "fail", "its provider was left behind by a deleted cluster")
    role("irsa-deleted-cluster", web(f"arn:aws:iam::{acct}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/GONE000000000000000",
                                     {"StringEquals": {"oidc.eks.us-east-1.amazonaws.com/id/GONE000000000000000:sub": "system:serviceaccount:a:b",
                                                       "oidc.eks.us-east-1.amazonaws.com/id/GONE000000000000000:aud": "sts.amazonaws.com"}}))
    d.planted("IAM-006", "", "irsa-deleted-cluster", "fail", "trusts an OIDC provider that no longer exists")
    role("github-any-repo", web(gh_provider, {"StringEquals": {f"{gh}:aud": "sts.amazonaws.com"}}))
    d.planted("IAM-005", "", "github-any-repo", "fail", "GitHub OIDC trust without sub: any repository on GitHub")
    role("github-platform-main", web(gh_provider, {"StringEquals": {f"{gh}:aud": "sts.amazonaws.com",
                                                                  f"{gh}:sub": "repo:acme/platform:ref:refs/heads/main"}}))
    d.planted("IAM-005", "", "github-platform-main", "pass", "GitHub OIDC trust scoped to one repository and branch")
    role("github-acme-any-repo", web(gh_provider, {"StringEquals": {f"{gh}:aud": "sts.amazonaws.com"},
                                                   "StringLike": {f"{gh}:sub": "repo:acme/*"}}))
    d.planted("IAM-005", "", "github-acme-any-repo", "fail",
              "repo:acme/* matches every repository of the organisation, a sandbox or fork included")
    for host in ("gitlab.com", "app.terraform.io"):
        iam.create_open_id_connect_provider(Url=f"https://{host}", ClientIDList=["sts.amazonaws.com"],
                                            ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"])
    role("gitlab-api-deployer", web(f"arn:aws:iam::{acct}:oidc-provider/gitlab.com", {"StringEquals": {
        "gitlab.com:aud": "https://gitlab.com",
        "gitlab.com:sub": "project_path:acme/platform/api:ref_type:branch:ref:main"}}))
    d.planted("IAM-005", "", "gitlab-api-deployer", "pass", "GitLab trust scoped to one project and branch")
    role("terraform-any-project", web(f"arn:aws:iam::{acct}:oidc-provider/app.terraform.io", {
        "StringEquals": {"app.terraform.io:aud": "aws.workload.identity"},
        "StringLike": {"app.terraform.io:sub": "organization:acme:project:*"}}))
    d.planted("IAM-005", "", "terraform-any-project", "fail", "HCP Terraform trust open to every project of the organisation")
    ec2_trust = assume({"Service": "ec2.amazonaws.com"})
    role("ops-admin", ec2_trust, attach=["arn:aws:iam::aws:policy/AdministratorAccess"])
    d.planted("IAM-007", "", "ops-admin", "fail", "AdministratorAccess attached")
    d.planted("IAM-001", "", "ops-admin", "pass", "trusts the EC2 service only")
    role("reporting-reader", ec2_trust, attach=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    d.planted("IAM-007", "", "reporting-reader", "pass", "read-only")

    role("ci-runner", ec2_trust, inline={"Version": "2012-10-17", "Statement": [
        {"Sid": "LaunchAnything", "Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}]})
    d.planted("IAM-014", "", "ci-runner", "fail", "iam:PassRole on * with ec2:RunInstances: run code as any role")
    d.planted("IAM-014", "", "reporting-reader", "pass", "read-only: no escalation path")
    role("self-service-deployer", ec2_trust, inline={"Version": "2012-10-17", "Statement": [
        {"Sid": "TuneOwnPolicy", "Effect": "Allow", "Action": "iam:PutRolePolicy",
         "Resource": f"arn:aws:iam::{acct}:role/self-service-deployer"}]})
    d.planted("IAM-014", "", "self-service-deployer", "fail",
              "iam:PutRolePolicy on its own ARN only: it can write itself any permission (pathfinding.cloud iam-005)")
    role("readonly-attacher", ec2_trust, inline={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "iam:AttachRolePolicy", "Resource": "*",
         "Condition": {"ArnEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}}]})
    d.planted("IAM-014", "", "readonly-attacher", "pass", "may attach only ReadOnlyAccess (iam:PolicyARN)")

    # Customer managed policies, left unattached so no principal's access changes: one grants
    # all of S3, its look-alike names the actions.
    def policy(name, actions):
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": actions, "Resource": "arn:aws:s3:::analytics-*"}]}))
    policy("analytics-s3-everything", "s3:*")
    d.planted("IAM-016", "", "analytics-s3-everything", "fail", "s3:* grants every S3 action, DeleteBucket included")
    policy("analytics-s3-read", ["s3:GetObject", "s3:ListBucket"])
    d.planted("IAM-016", "", "analytics-s3-read", "pass", "names the two actions the job needs")

    iam.create_user(UserName="alice-console")
    iam.create_login_profile(UserName="alice-console", Password="Demo-Passw0rd-1!")
    iam.create_access_key(UserName="alice-console")
    d.planted("IAM-010", "", "alice-console", "fail", "a console user with a long-lived access key")
    iam.attach_user_policy(UserName="alice-console", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    d.planted("IAM-008", "", "alice-console", "fail", "console password, no MFA")
    d.planted("IAM-012", "", "alice-console", "fail", "policy attached to the user directly")
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_user(UserName="bob-api")
    iam.add_user_to_group(UserName="bob-api", GroupName="readers")
    d.planted("IAM-008", "", "bob-api", "pass", "no console password")
    d.planted("IAM-012", "", "bob-api", "pass", "permissions through the readers group")
    iam.update_account_password_policy(MinimumPasswordLength=8, RequireSymbols=False)
    d.planted("IAM-013", "", "account-password-policy", "fail", "minimum length 8, no symbols")


STATE_WITH_SECRET = {
    "version": 4, "terraform_version": "1.9.8",
    "resources": [{"mode": "managed", "type": "aws_db_instance", "name": "main",
                   "instances": [{"attributes": {"identifier": "crm", "username": "crm_admin",
                                                 "password": "demo-Not-A-Real-Passw0rd"},
                                  "sensitive_attributes": [[{"type": "get_attr", "value": "password"}]]}]}],
    "outputs": {"db_endpoint": {"value": "crm.demo.us-east-1.rds.amazonaws.com", "type": "string"}},
}
STATE_CLEAN = {"version": 4, "terraform_version": "1.9.8", "resources": [
    {"mode": "managed", "type": "aws_vpc", "name": "main",
     "instances": [{"attributes": {"cidr_block": "10.0.0.0/16", "id": "vpc-demo"}}]}], "outputs": {}}


def seed_s3(d):
    """S3: the seed document's Terraform state layout. A well-run state bucket (KMS, versions,
    public access block, TLS-only, no ACLs, access logs) whose teams are fenced (or not) by IAM
    and the bucket policy, and a legacy state bucket found by discovery that gets all of it
    wrong and holds a plain-text database password."""
    acct = d.account
    s3 = d.client("s3", PRIMARY)
    s3_eu = d.client("s3", SECONDARY)
    iam = d.client("iam", PRIMARY)
    good, legacy = f"mercury-terraform-{acct}", f"legacy-tfstate-{acct}"
    logs, assets = f"access-logs-{acct}", f"static-assets-{acct}"
    s3.create_bucket(Bucket=logs, ACL="log-delivery-write")
    s3.create_bucket(Bucket=assets)
    s3.put_object(Bucket=assets, Key="index.html", Body=b"<html></html>")
    s3.create_bucket(Bucket=good)
    # Objects first: moto enforces bucket policies on object calls, without their conditions.
    keys = ["services/crm/prod/us-east-2/network/tf.tfstate", "services/crm/prod/us-east-2/ecs/tf.tfstate",
            "services/fraud-detection/dev/us-east-2/tf.tfstate", "services/payments/prod/us-east-2/tf.tfstate"]
    for k in keys:
        s3.put_object(Bucket=good, Key=k, Body=json.dumps(STATE_CLEAN).encode())
    s3.put_bucket_encryption(Bucket=good, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/terraform-state"},
         "BucketKeyEnabled": True}]})
    s3.put_bucket_versioning(Bucket=good, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(Bucket=good, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_ownership_controls(Bucket=good, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
    s3.put_bucket_logging(Bucket=good, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": f"{good}/"}})
    obj = lambda p: f"arn:aws:s3:::{good}/{p}"
    s3.put_bucket_policy(Bucket=good, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": [f"arn:aws:s3:::{good}", obj("*")], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "FencePaymentsState", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": obj("services/payments/*"),
         "Condition": {"StringNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{acct}:role/payments-*",
                                                              f"arn:aws:iam::{acct}:role/terraform-pipeline"]}}},
        {"Sid": "AnalyticsReadsAllState", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:role/analytics-reader"},
         "Action": "s3:GetObject", "Resource": obj("services/*")}]}))
    for check in ["S3-001", "S3-002", "S3-003", "S3-004", "S3-005", "S3-006", "S3-007"]:
        d.planted(check, PRIMARY, good, "pass", "the well-run state bucket")
    d.planted("S3-009", PRIMARY, good, "not_assessed",
              "moto enforces the TLS Deny without its condition, so the scan's GetObject is refused")

    s3_eu.create_bucket(Bucket=legacy, CreateBucketConfiguration={"LocationConstraint": SECONDARY})
    s3_eu.put_object(Bucket=legacy, Key="services/crm/prod/tf.tfstate", Body=json.dumps(STATE_WITH_SECRET).encode())
    s3_eu.put_bucket_encryption(Bucket=legacy, ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3_eu.put_bucket_ownership_controls(Bucket=legacy, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    s3_eu.put_bucket_policy(Bucket=legacy, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "OldCiAccount", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
         "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{legacy}/*"}]}))
    for check, why in [("S3-001", "AES256, not KMS"), ("S3-002", "versioning never enabled"),
                       ("S3-003", "no public access block on the bucket or the account"),
                       ("S3-004", "no Deny on aws:SecureTransport"), ("S3-005", "grants account 999988887777"),
                       ("S3-006", "no access logging"), ("S3-007", "ObjectWriter: ACLs in effect"),
                       ("S3-009", "an RDS password in plain text in the state")]:
        d.planted(check, SECONDARY, legacy, "fail", why)

    # Open to Principal * but only through the account's own VPC endpoint: S3's definition of
    # public counts a fixed aws:SourceVpce as not public, and so does S3-005.
    cache = f"build-cache-tfstate-{acct}"
    s3.create_bucket(Bucket=cache)
    # Outside the services/{team}/ layout: the build cache is no team's, so S3-008 leaves it be.
    s3.put_object(Bucket=cache, Key="ci/build-cache.tfstate", Body=json.dumps(STATE_CLEAN).encode())
    s3.put_bucket_policy(Bucket=cache, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "ReadThroughOwnEndpoint", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{cache}/*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0demo0build0cache"}}}]}))
    d.planted("S3-005", PRIMARY, cache, "pass", "Principal * only through the account's own VPC endpoint (fixed aws:SourceVpce)")

    def role(name, team=None, inline=None, attach=()):
        tags = [{"Key": "team", "Value": team}] if team else []
        iam.create_role(RoleName=name, Tags=tags, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}))
        if inline:
            iam.put_role_policy(RoleName=name, PolicyName="terraform-state",
                                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": inline}))
        for arn in attach:
            iam.attach_role_policy(RoleName=name, PolicyArn=arn)

    role("crm-deployer", "crm", [{"Sid": "CrmStateOnly", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                  "Resource": [obj(keys[0]), obj(keys[1])]}])
    d.planted("S3-008", "", "crm-deployer", "pass", "scoped to its team's state files, as in seed 002")
    role("fraud-deployer", "fraud-detection", [{"Sid": "WholeStateBucket", "Effect": "Allow",
                                                "Action": ["s3:GetObject", "s3:PutObject"], "Resource": obj("*")}])
    d.planted("S3-008", "", "fraud-deployer", "fail", f"arn:aws:s3:::{good}/* reaches crm's state")
    role("analytics-reader", "analytics")
    d.planted("S3-008", "", "analytics-reader", "fail", "the bucket policy alone grants it every team's state")
    role("payments-deployer", "payments", [{"Sid": "PaymentsState", "Effect": "Allow", "Action": "s3:*",
                                            "Resource": obj("services/payments/*")}])
    d.planted("S3-008", "", "payments-deployer", "pass", "its own prefix, fenced by the bucket policy's Deny")
    role("crm-history-reader", "crm", [
        {"Sid": "CrmState", "Effect": "Allow", "Action": "s3:GetObject", "Resource": obj("services/crm/*")},
        {"Sid": "EveryPastVersion", "Effect": "Allow", "Action": "s3:GetObjectVersion", "Resource": obj("services/*")}])
    d.planted("S3-008", "", "crm-history-reader", "fail",
              "s3:GetObjectVersion on services/*: every past version of fraud-detection's state")
    role("fraud-lister", "fraud-detection", [
        {"Sid": "ListStateBucket", "Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{good}"}])
    d.planted("S3-008", "", "fraud-lister", "pass",
              "reads no state; s3:ListBucket shows it which crm and payments states exist (named beside the verdict)")
    role("terraform-pipeline", attach=["arn:aws:iam::aws:policy/AdministratorAccess"])
    d.planted("S3-008", "", "terraform-pipeline", "pass", "the state admin named in localstack/demo.toml")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--endpoint", required=True)
    p.add_argument("--account", default=DEMO_ACCOUNT)
    p.add_argument("--expect", help="write the planted resources and their expected status here (JSON)")
    a = p.parse_args()
    d = Demo(a.endpoint, a.account)
    d.organization()
    seed_primary(d)
    seed_secondary(d)
    seed_ecr(d)
    issuer, net = seed_eks(d)
    seed_elb(d, net)
    seed_guardduty(d)
    seed_cloudtrail(d)
    seed_iam(d, issuer)
    seed_s3(d)
    if a.expect:
        with open(a.expect, "w") as f:
            json.dump({"account": a.account, "regions": [PRIMARY, SECONDARY], "expect": d.expect}, f, indent=2)
    print(f"seeded demo account {a.account}: {len(d.expect)} planted expectations in {PRIMARY}, {SECONDARY}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
