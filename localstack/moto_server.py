"""moto's server, with the one answer this project corrects so the Rust SDK can read it.

GetBucketVersioning: moto 5.x serializes it with the root element
`GetBucketVersioningResponse`, where S3 answers `VersioningConfiguration`; the AWS SDK for
Rust rejects the former. This answers as S3 does (https://docs.aws.amazon.com/AmazonS3/
latest/API/API_GetBucketVersioning.html). moto does not store MFADelete, so it is never
in the answer. Everything else is moto as installed. See localstack/README.md.
"""
import sys

from moto.s3 import responses as s3_responses

NS = "http://s3.amazonaws.com/doc/2006-03-01/"


def get_bucket_versioning(self):
    status = self.backend.get_bucket_versioning(self.bucket_name)
    self.data["Action"] = "GetBucketVersioning"
    inner = f"<Status>{status}</Status>" if status else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<VersioningConfiguration xmlns="{NS}">{inner}</VersioningConfiguration>'
    )
    return 200, {"Content-Type": "application/xml"}, body


s3_responses.S3Response.get_bucket_versioning = get_bucket_versioning

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
