"""Where policies live in a template, per resource type (data, not code).

Each row: the resource type, the property that holds the policy document, the policy kind (policy.facts
.POLICY_KINDS), and for attached policies the property naming what the policy is attached to.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-kms-key.html (KeyPolicy)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucketpolicy.html (PolicyDocument, Bucket)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topicpolicy.html (PolicyDocument, Topics)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queuepolicy.html (PolicyDocument, Queues)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html (AssumeRolePolicyDocument)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-policy.html (PolicyDocument)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-resourcepolicy.html (PolicyDocument)
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-secretsmanager-resourcepolicy.html
"""

from __future__ import annotations

from typing import NamedTuple


class PolicyLocation(NamedTuple):
    resource_type: str
    property: str
    kind: str
    attached_via: str | None = None  # the property that names the resource the policy applies to


LOCATIONS: tuple[PolicyLocation, ...] = (
    PolicyLocation("AWS::KMS::Key", "KeyPolicy", "kms-key"),
    PolicyLocation("AWS::S3::BucketPolicy", "PolicyDocument", "s3-bucket", "Bucket"),
    PolicyLocation("AWS::SNS::TopicPolicy", "PolicyDocument", "sns-topic", "Topics"),
    PolicyLocation("AWS::SQS::QueuePolicy", "PolicyDocument", "sqs-queue", "Queues"),
    PolicyLocation("AWS::IAM::Role", "AssumeRolePolicyDocument", "trust"),
    PolicyLocation("AWS::IAM::Policy", "PolicyDocument", "identity", "Roles"),
    PolicyLocation("AWS::IAM::ManagedPolicy", "PolicyDocument", "identity", "Roles"),
    PolicyLocation("AWS::Logs::ResourcePolicy", "PolicyDocument", "logs-resource"),
    PolicyLocation("AWS::SecretsManager::ResourcePolicy", "ResourcePolicy", "secrets-resource", "SecretId"),
    PolicyLocation("AWS::Lambda::Permission", "", "lambda-permission", "FunctionName"),
)


def location_of(resource_type: str) -> PolicyLocation | None:
    for location in LOCATIONS:
        if location.resource_type == resource_type:
            return location
    return None
