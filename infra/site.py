"""The operator UI: `static_site/` in a private bucket, served by CloudFront through origin
access control, with the security headers of `infra/csp.py`. The operator API (`/api/*`)
is served by the same distribution from API Gateway, so the UI calls its own origin: no
CORS, and `connect-src 'self'` covers it. `config.json` is generated at deploy time.

TLS: on its default `*.cloudfront.net` name a distribution always offers TLS 1.0 and up —
CloudFront sets the security policy to TLSv1 whenever the default certificate is used, whatever
`MinimumProtocolVersion` says. A TLS 1.2 minimum needs an alternate domain name with an ACM
certificate (in us-east-1): `CustomDomain` below, then the policy is TLSv1.2_2021
(docs/runbook.md, "A custom domain and TLS 1.2")."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import Aws, CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra import csp
from infra.nag import flatten_cfn_reference, suppress
from infra.stages import Stage

STATIC_SITE = Path(__file__).resolve().parent.parent / "static_site"
# Paths of the REST API that the distribution forwards to API Gateway (the operator API).
API_PATHS = ("/api/*",)
# The viewer security policy with a custom domain: TLS 1.2 and 1.3 only, no CBC-SHA1 ciphers.
VIEWER_TLS_POLICY = cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
CDK_OWNED = ("The CDK's own provider for {what} (a Lambda function and role that the CDK library creates and "
             "versions; its code, runtime and policy are not ours to change). It runs only during deployments.")


@dataclass(frozen=True)
class CustomDomain:
    """The UI's own host name. The certificate must be an ACM certificate in us-east-1 (CloudFront
    only reads certificates there) that covers `name`; DNS (a CNAME or an alias to the
    `DistributionDomainName` output) is set up outside the stack."""

    name: str
    certificate_arn: str

    def __post_init__(self) -> None:
        if not self.certificate_arn.startswith("arn:") or ":acm:us-east-1:" not in self.certificate_arn:
            raise ValueError(f"certificate {self.certificate_arn!r}: CloudFront needs an ACM certificate ARN in us-east-1")


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
    def __init__(self, scope: Construct, construct_id: str, *, stage: Stage, access_logs: s3.IBucket,
                 domain: CustomDomain | None = None) -> None:
        super().__init__(scope, construct_id)
        self.stage = stage
        self.access_logs = access_logs
        self.domain = domain
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="s3/site/",
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
            enable_logging=True,
            log_bucket=self.access_logs,
            log_file_prefix="cloudfront/",
            **self._viewer_certificate(),
        )
        cfn = self.distribution.node.default_child
        if self.domain is None:
            suppress(cfn, "CFR4",
                     "No custom domain configured for this stage: on the default *.cloudfront.net name CloudFront "
                     "always applies its TLSv1 security policy (TLS 1.0-1.3) and ignores MinimumProtocolVersion. Set "
                     "DOMAIN_NAME and CERTIFICATE_ARN to get TLSv1.2_2021 (docs/runbook.md); browsers in use "
                     "negotiate TLS 1.2+ on their own.")
        suppress(cfn, "CFR1", "Operators and the bot platforms are not tied to a country; the UI and the operator "
                              "API need a Cognito sign-in, so geography would add no protection.")
        suppress(cfn, "CFR2",
                 "No WAF yet (docs/runbook.md, Not covered yet): a CloudFront web ACL must live in us-east-1, outside "
                 "this regional stack, and managed rule sets would block lead messages that merely look hostile; the "
                 "operator API needs a Cognito token and API Gateway throttles per stage.")

    def _viewer_certificate(self) -> dict[str, Any]:
        if self.domain is None:
            return {}
        return {
            "domain_names": [self.domain.name],
            "certificate": acm.Certificate.from_certificate_arn(self, "Certificate", self.domain.certificate_arn),
            "minimum_protocol_version": VIEWER_TLS_POLICY,
            "ssl_support_method": cloudfront.SSLMethod.SNI,
        }

    @property
    def url(self) -> str:
        """The UI's origin: the custom domain if there is one (the attachments bucket's CORS and
        config.json use it), else the distribution's own name."""
        host = self.domain.name if self.domain else self.distribution.distribution_domain_name
        return f"https://{host}"

    def publish(self, config: dict[str, str], retention: logs.RetentionDays) -> s3deploy.BucketDeployment:
        """Upload `static_site/` and the generated `config.json`; invalidate the CDN cache."""
        deployment = s3deploy.BucketDeployment(
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
        self._suppress_cdk_providers()
        return deployment

    def _suppress_cdk_providers(self) -> None:
        """The two CDK-owned providers behind the site bucket (the UI upload and the emptying of
        the bucket at teardown) are stack-level singletons: their findings, each by name."""
        stack = Stack.of(self)
        uploader = next(c for c in stack.node.children if c.node.id.startswith("Custom::CDKBucketDeployment"))
        why = CDK_OWNED.format(what="BucketDeployment (uploads static_site/ and config.json, invalidates the CDN)")
        suppress(uploader.node.find_child("Resource"), "L1", why)
        role = uploader.node.find_child("ServiceRole")
        suppress(role.node.default_child, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                                          "AWSLambdaBasicExecutionRole]", why + " The managed policy only writes its logs.")
        policy = role.node.find_child("DefaultPolicy").node.default_child
        for wildcard in self._uploader_wildcards(policy):
            suppress(policy, f"IAM5[{wildcard}]",
                     why + " CDK grants it read on its asset bucket, read/write on the UI bucket (rebuildable files "
                           "only) and CloudFront invalidations, which have no narrower resource in CDK's grant.")
        cleaner = stack.node.find_child("Custom::S3AutoDeleteObjectsCustomResourceProvider").node.find_child("Role")
        suppress(cleaner, "IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
                 CDK_OWNED.format(what="auto_delete_objects (empties the UI bucket before a stack deletion)")
                 + " The managed policy only writes its logs.")

    def _uploader_wildcards(self, policy: CfnResource) -> list[str]:
        """The deployment role's wildcards, as cdk-nag names them; anything beyond what CDK
        grants today (a CDK upgrade that widens it) stops the synth instead of being waved through."""
        stack = Stack.of(self)
        site = flatten_cfn_reference(stack.resolve(self.bucket.bucket_arn))
        expected_actions = {"s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"}
        found: list[str] = []
        for statement in stack.resolve(policy.policy_document)["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                if "*" in action:
                    if action not in expected_actions:
                        raise ValueError(f"the CDK's BucketDeployment role now has {action}: review infra/site.py")
                    found.append(f"Action::{action}")
            for resource in map(flatten_cfn_reference, resources):
                if "*" not in resource:
                    continue
                invalidation = resource == "*" and all(a.startswith("cloudfront:") for a in actions)
                own_buckets = resource == f"{site}/*" or resource.startswith("arn:<AWS::Partition>:s3:::cdk-")
                if not (invalidation or own_buckets):
                    raise ValueError(f"the CDK's BucketDeployment role now reaches {resource}: review infra/site.py")
                found.append(f"Resource::{resource}")
        return sorted(set(found))
