"""The attachments bucket: private, encrypted, versioned, TLS only, CORS for the UI's
origin only, and lifecycle rules for what nobody needs any more; and the access-log bucket that
it, the UI bucket and CloudFront write their access logs to."""

from __future__ import annotations

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.access import ATTACHMENTS_PREFIX
from infra.stages import Stage

# Tag that marks an upload no message has used yet (see docs/runbook.md, "Attachments").
PENDING_TAG = ("handover-upload", "pending")
PENDING_UPLOAD_DAYS = 2
NONCURRENT_VERSION_DAYS = 30


def attachments_bucket_name(stage: Stage) -> str:
    """A name built from pseudo parameters, not a reference to the bucket: the UI's CSP and
    the functions' environment use it without depending on the bucket (whose CORS depends
    on the CloudFront distribution, whose CSP names the bucket)."""
    return f"{stage.stack_name}-attachments-{Aws.ACCOUNT_ID}-{Aws.REGION}"


class AccessLogsBucket(Construct):
    """S3 server access logs of the buckets and CloudFront's standard logs, kept as long as the
    stage keeps its CloudWatch logs."""

    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            # CloudFront's standard logs are delivered with an ACL grant (awslogsdelivery): the
            # bucket must have ACLs enabled, which BUCKET_OWNER_ENFORCED would switch off.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            # SSE-S3: CloudFront cannot deliver logs to a bucket encrypted with a KMS key.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            lifecycle_rules=[s3.LifecycleRule(id="expire-logs", expiration=Duration.days(stage.log_retention_days))],
            # Access logs are evidence: a stack deletion leaves them (they expire by the rule above).
            removal_policy=RemovalPolicy.RETAIN,
        )
        # No access logs of its own (logging it into itself would log each delivery, in a loop);
        # cdk-nag's S1 already exempts a bucket that is another's log target.


class AttachmentsBucket(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, ui_origin: str,
                 access_logs: s3.IBucket) -> None:
        super().__init__(scope, construct_id)
        self.bucket_name = attachments_bucket_name(stage)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=self.bucket_name,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/attachments/",
            # Attachments are data: a stack deletion leaves them.
            removal_policy=RemovalPolicy.RETAIN,
            cors=[
                # The UI uploads with the presigned POST (XHR, so a preflight for its progress events).
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=[ui_origin],
                    allowed_headers=["*"],
                    max_age=3600,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(id="abort-incomplete-multipart", abort_incomplete_multipart_upload_after=Duration.days(1)),
                # Uploads that no message ever used (the app tags them pending until a message claims them).
                s3.LifecycleRule(
                    id="expire-abandoned-uploads",
                    prefix=ATTACHMENTS_PREFIX,
                    tag_filters={PENDING_TAG[0]: PENDING_TAG[1]},
                    expiration=Duration.days(PENDING_UPLOAD_DAYS),
                ),
                # Versioning guards against an accidental overwrite or delete; old versions go after 30 days.
                s3.LifecycleRule(
                    id="expire-old-versions",
                    noncurrent_version_expiration=Duration.days(NONCURRENT_VERSION_DAYS),
                    expired_object_delete_marker=True,
                ),
            ],
        )
