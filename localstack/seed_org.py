#!/usr/bin/env python3
"""Seeds an AWS organisation into a *private* moto server, then turns on moto's IAM
enforcement, so that what the auditor may do is decided by IAM policies as in AWS.

The organisation (management account 123456789012, moto's default):
  root
  ├── OU workloads
  │   ├── alpha (tag env=prod): role AuditorReadOnly (trusts the management account, read-only policy),
  │   │          and a planted finding: role ci-deployer trusted by any AWS principal ("*")
  │   └── beta:  its AuditorReadOnly cannot be assumed: the auditor's identity policy
  │              denies sts:AssumeRole on it (as an SCP or a missing trust would)
  └── gamma (tag env=dev; outside the OU, so an --ou filter leaves it out)

The auditor acts as IAM user `auditor` in the management account (allowed everything it
reads, except assuming beta's role); IAM user `outsider` may only ask who it is. Once enforcement is on, moto's default "testing"
keys no longer work: moto's IAM enforcement is global to the server, hence a private one.

Prints JSON: {"alpha", "beta", "gamma", "ou", "root", "access_key_id", "secret_access_key",
"outsider_access_key_id", "outsider_secret_access_key"}
(emulator-only keys, made by moto for this run).
"""
import argparse
import json
import sys
import urllib.request

import boto3

ROLE = "AuditorReadOnly"
MANAGEMENT = "123456789012"


def client(endpoint, service, **creds):
    creds.setdefault("aws_access_key_id", "testing")
    creds.setdefault("aws_secret_access_key", "testing")
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", **creds)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--endpoint", required=True)
    a = ap.parse_args()
    ep = a.endpoint

    org = client(ep, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    ou = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    ids = {}
    for name in ["alpha", "beta", "gamma"]:
        st = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"]
        ids[name] = org.describe_create_account_status(CreateAccountRequestId=st["Id"])[
            "CreateAccountStatus"
        ]["AccountId"]
    for name in ["alpha", "beta"]:
        org.move_account(AccountId=ids[name], SourceParentId=root, DestinationParentId=ou)
    org.tag_resource(ResourceId=ids["alpha"], Tags=[{"Key": "env", "Value": "prod"}])
    org.tag_resource(ResourceId=ids["gamma"], Tags=[{"Key": "env", "Value": "dev"}])

    iam = client(ep, "iam")
    iam.create_user(UserName="auditor")
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="audit",
        PolicyDocument=doc(
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Action": "sts:AssumeRole",
                "Resource": f"arn:aws:iam::{ids['beta']}:role/{ROLE}",
            },
        ),
    )

    # A user of the management account that may not read Organizations.
    iam.create_user(UserName="outsider")
    outsider = iam.create_access_key(UserName="outsider")["AccessKey"]
    iam.put_user_policy(
        UserName="outsider",
        PolicyName="identity-only",
        PolicyDocument=doc({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}),
    )

    trust_management = doc(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"},
            "Action": "sts:AssumeRole",
        }
    )
    for name in ["alpha", "beta", "gamma"]:
        c = client(ep, "sts").assume_role(
            RoleArn=f"arn:aws:iam::{ids[name]}:role/seed", RoleSessionName="seed"
        )["Credentials"]
        acct_iam = client(
            ep,
            "iam",
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["SessionToken"],
        )
        acct_iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust_management)
        acct_iam.put_role_policy(
            RoleName=ROLE,
            PolicyName="read-only",
            PolicyDocument=doc(
                {
                    "Effect": "Allow",
                    "Action": [
                        "iam:Get*",
                        "iam:List*",
                        "iam:GenerateCredentialReport",
                        "ec2:Describe*",
                        "ec2:Get*",
                        "sts:GetCallerIdentity",
                        "s3:Get*",
                        "s3:List*",
                    ],
                    "Resource": "*",
                }
            ),
        )
        if name == "alpha":
            acct_iam.create_role(
                RoleName="ci-deployer",
                AssumeRolePolicyDocument=doc(
                    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
                ),
            )

    # From here on, every request must be signed by a known key and allowed by IAM.
    req = urllib.request.Request(
        f"{ep}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req) as r:
        if r.status != 200:
            sys.exit(f"cannot turn on moto's IAM enforcement: HTTP {r.status}")

    json.dump(
        {
            **ids,
            "ou": ou,
            "root": root,
            "access_key_id": key["AccessKeyId"],
            "secret_access_key": key["SecretAccessKey"],
            "outsider_access_key_id": outsider["AccessKeyId"],
            "outsider_secret_access_key": outsider["SecretAccessKey"],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
