"""Where a template configures S3 event notifications: the bucket's own `NotificationConfiguration`, or the AWS
CDK's `Custom::S3BucketNotifications`, whose handler (BucketNotificationsHandler) passes its
`NotificationConfiguration` to S3's PutBucketNotificationConfiguration as it is. S3 validates the destinations the
same way in both cases, so the permission checks read either through this adapter
(https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketNotificationConfiguration.html;
https://docs.aws.amazon.com/cdk/api/v2/docs/aws-cdk-lib.aws_s3-readme.html#bucket-notifications).

The native property uses CloudFormation's shape (`LambdaConfigurations[].Function`, `QueueConfigurations[].Queue`,
`TopicConfigurations[].Topic`); the custom resource uses the S3 API's (`LambdaFunctionConfigurations[]
.LambdaFunctionArn`, `QueueConfigurations[].QueueArn`, `TopicConfigurations[].TopicArn`), names its bucket in
`BucketName`, and may set `SkipDestinationValidation` (S3's x-amz-skip-destination-validation: no test at create
time, so a missing permission only shows when events are not delivered).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    from preflight.model.template import Resource
    from preflight.services.replay import Workspace

PROPERTY = "NotificationConfiguration"
CDK_TYPE = "Custom::S3BucketNotifications"


class Shape(NamedTuple):
    """How one resource type writes notifications: the property naming the bucket (None: it is the bucket), and
    the configuration list of each destination kind (lambda, queue, topic)."""

    bucket: str | None
    sections: Mapping[str, str]
    skip_validation: str | None = None


SHAPES: Mapping[str, Shape] = MappingProxyType(
    {
        "AWS::S3::Bucket": Shape(
            None,
            MappingProxyType(
                {
                    "lambda": "LambdaConfigurations",
                    "queue": "QueueConfigurations",
                    "topic": "TopicConfigurations",
                }
            ),
        ),
        CDK_TYPE: Shape(
            "BucketName",
            MappingProxyType(
                {
                    "lambda": "LambdaFunctionConfigurations",
                    "queue": "QueueConfigurations",
                    "topic": "TopicConfigurations",
                }
            ),
            "SkipDestinationValidation",
        ),
    }
)
TYPES = tuple(SHAPES)


class Notifications(NamedTuple):
    """The notifications `owner` writes for `bucket` (the same resource for the native property)."""

    owner: Resource
    bucket: Resource
    config: Any  # the NotificationConfiguration node
    shape: Shape
    validated: bool  # False: S3 is told to skip the destination test

    def section(self, kind: str) -> str:
        return self.shape.sections[kind]


def notifications(ws: Workspace, resource: Resource) -> Notifications | None:
    """The notifications `resource` configures, or None (no configuration, or a bucket the template does not
    create: its ARN and name are not the template's to check)."""
    shape = SHAPES.get(resource.type)
    config = resource.properties.get(PROPERTY)
    if shape is None or not isinstance(config, dict):
        return None
    bucket = resource
    if shape.bucket is not None:
        found = ws.referenced(resource, shape.bucket, types=("AWS::S3::Bucket",))
        if not found:
            return None
        bucket = found[0]
    skip = ws.resolve(resource.properties.get(shape.skip_validation)) if shape.skip_validation else None
    return Notifications(resource, bucket, config, shape, skip not in (True, "true", "True"))
