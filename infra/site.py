"""The operator UI: `static_site/` in a private bucket, served by CloudFront through origin
access control, with the security headers of `infra/csp.py`. The operator API (`/api/*`)
is served by the same distribution from API Gateway, so the UI calls its own origin: no
CORS, and `connect-src 'self'` covers it. `config.json` is generated at deploy time."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import csp
from infra.stages import Stage

STATIC_SITE = Path(__file__).resolve().parent.parent / "static_site"
# Paths of the REST API that the distribution forwards to API Gateway (the operator API).
API_PATHS = ("/api/*",)


def s3_public_endpoint() -> str:
    """The S3 endpoint presigned URLs are made for (HANDOVER_S3_PUBLIC_ENDPOINT): regional and
    explicit, so that the CSP can name it (boto3 would pick the legacy global endpoint in us-east-1)."""
    return f"https://s3.{Aws.REGION}.{Aws.URL_SUFFIX}"


def execute_api_host(api_id: str) -> str:
    return f"{api_id}.execute-api.{Aws.REGION}.{Aws.URL_SUFFIX}"


def ui_origins(websocket_api_id: str | None, attachments_bucket: str) -> csp.UiOrigins:
    websocket = f"wss://{execute_api_host(websocket_api_id)}" if websocket_api_id else "'self'"
    return csp.UiOrigins(
        # The operator API is on the UI's own origin (see API_PATHS).
        api="'self'",
        websocket=websocket,
        attachments=csp.attachments_sources(s3_public_endpoint(), attachments_bucket),
    )


class OperatorSite(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            # Only built files live here: `make deploy` puts them back; no data to keep.
            removal_policy=RemovalPolicy.DESTROY,
            auto_delete_objects=True,
        )

    def distribute(self, *, rest_api_id: str, websocket_api_id: str | None, attachments_bucket: str) -> None:
        """The distribution needs the APIs (origins, CSP); called once they exist."""
        self.origins = ui_origins(websocket_api_id, attachments_bucket)
        self.content_security_policy = csp.content_security_policy(self.origins)
        self.headers = cloudfront.ResponseHeadersPolicy(
            self,
            "SecurityHeaders",
            response_headers_policy_name=f"{self.stage.stack_name}-security-headers-{Aws.REGION}",
            comment="Handover operator UI: strict CSP (infra/csp.py), HSTS, nosniff, no framing",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=cloudfront.ResponseHeadersContentSecurityPolicy(
                    content_security_policy=self.content_security_policy, override=True
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.seconds(csp.HSTS_SECONDS), include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
                ),
            ),
            custom_headers_behavior=cloudfront.ResponseCustomHeadersBehavior(custom_headers=[
                cloudfront.ResponseCustomHeader(header="Permissions-Policy", value=csp.PERMISSIONS_POLICY, override=True),
                cloudfront.ResponseCustomHeader(header="Cross-Origin-Opener-Policy", value="same-origin", override=True),
            ]),
        )
        api_origin = origins.HttpOrigin(
            execute_api_host(rest_api_id),
            origin_path="/api",
            protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        )
        api_behavior = cloudfront.BehaviorOptions(
            origin=api_origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            # Everything but Host (API Gateway answers only to its own host name). With caching
            # disabled this managed policy also forwards Authorization, which the operator API needs
            # (no other origin request policy may).
            origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
            response_headers_policy=self.headers,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment=f"Handover {self.stage.name}: operator UI and operator API",
            default_root_object="index.html",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=self.headers,
                compress=True,
            ),
            additional_behaviors={path: api_behavior for path in API_PATHS},
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
        )

    @property
    def url(self) -> str:
        return f"https://{self.distribution.distribution_domain_name}"

    def publish(self, config: dict[str, str], retention: logs.RetentionDays) -> s3deploy.BucketDeployment:
        """Upload `static_site/` and the generated `config.json`; invalidate the CDN cache."""
        return s3deploy.BucketDeployment(
            self,
            "Deploy",
            sources=[
                s3deploy.Source.asset(str(STATIC_SITE), exclude=["**/*.py", "**/__pycache__/**"]),
                s3deploy.Source.json_data("config.json", config),
            ],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            prune=True,
            # Browsers revalidate (ETag) rather than run yesterday's UI against today's API.
            cache_control=[s3deploy.CacheControl.no_cache()],
            memory_limit=512,
            # The deployment's own function logs, kept like the app's (not forever).
            log_group=logs.LogGroup(self, "DeployLogs", retention=retention, removal_policy=RemovalPolicy.DESTROY),
        )
