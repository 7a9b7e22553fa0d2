"""The AWS clients the adapters take, as small Protocols of exactly the calls they make (a
boto3 client satisfies them, and so does each fake in the tests). Answers are the API's
dictionaries; errors are the client's named exceptions."""

from __future__ import annotations

from typing import Any, Protocol

Answer = dict[str, Any]


class Elbv2Errors(Protocol):
    LoadBalancerNotFoundException: type[Exception]
    TargetGroupNotFoundException: type[Exception]
    PriorityInUseException: type[Exception]


class Elbv2Client(Protocol):
    @property
    def exceptions(self) -> Elbv2Errors: ...

    def describe_load_balancers(self, *, Names: list[str]) -> Answer: ...

    def describe_listeners(self, *, LoadBalancerArn: str) -> Answer: ...

    def describe_rules(self, *, ListenerArn: str = ..., RuleArns: list[str] = ...,
                       Marker: str = ...) -> Answer: ...

    def describe_tags(self, *, ResourceArns: list[str]) -> Answer: ...

    def describe_target_groups(self, *, Names: list[str]) -> Answer: ...

    def modify_rule(self, *, RuleArn: str, Actions: list[Answer]) -> object: ...

    def add_tags(self, *, ResourceArns: list[str], Tags: list[Answer]) -> object: ...

    def remove_tags(self, *, ResourceArns: list[str], TagKeys: list[str]) -> object: ...

    def delete_rule(self, *, RuleArn: str) -> object: ...

    def set_rule_priorities(self, *, RulePriorities: list[Answer]) -> object: ...


class SsmErrors(Protocol):
    ParameterNotFound: type[Exception]


class SsmClient(Protocol):
    @property
    def exceptions(self) -> SsmErrors: ...

    def get_parameter(self, *, Name: str) -> Answer: ...

    def put_parameter(self, *, Name: str, Value: str, Type: str, Overwrite: bool) -> object: ...

    def get_parameter_history(self, *, Name: str, NextToken: str = ...) -> Answer: ...


class DynamodbErrors(Protocol):
    TransactionCanceledException: type[Exception]
    ResourceNotFoundException: type[Exception]


class DynamodbClient(Protocol):
    @property
    def exceptions(self) -> DynamodbErrors: ...

    def get_item(self, *, TableName: str, Key: Answer, ConsistentRead: bool) -> Answer: ...

    def query(self, *, TableName: str, KeyConditionExpression: str,
              ExpressionAttributeNames: dict[str, str], ExpressionAttributeValues: Answer,
              ConsistentRead: bool, ScanIndexForward: bool = ..., Limit: int = ...,
              ExclusiveStartKey: Answer = ...) -> Answer: ...

    def transact_write_items(self, *, TransactItems: list[Answer]) -> object: ...


class SnsClient(Protocol):
    def publish(self, *, TopicArn: str, Subject: str, Message: str) -> object: ...


class CloudwatchClient(Protocol):
    def get_metric_data(self, *, MetricDataQueries: list[Answer], StartTime: int,
                        EndTime: int) -> Answer: ...

    def describe_alarms(self, *, StateValue: str, AlarmNamePrefix: str,
                        NextToken: str = ...) -> Answer: ...


class S3Errors(Protocol):
    NoSuchKey: type[Exception]


class S3Client(Protocol):
    @property
    def exceptions(self) -> S3Errors: ...

    def get_object(self, *, Bucket: str, Key: str) -> Answer: ...


class LambdaErrors(Protocol):
    ResourceNotFoundException: type[Exception]


class LambdaClient(Protocol):
    @property
    def exceptions(self) -> LambdaErrors: ...

    def get_alias(self, *, FunctionName: str, Name: str) -> Answer: ...

    def get_function_configuration(self, *, FunctionName: str, Qualifier: str) -> Answer: ...


class StsClient(Protocol):
    def get_caller_identity(self) -> Answer: ...


class AwsClients(Protocol):
    """The clients of one region (``ops.adapters.aws.Clients``, or fakes)."""

    @property
    def elbv2(self) -> Elbv2Client: ...

    @property
    def ssm(self) -> SsmClient: ...

    @property
    def cloudwatch(self) -> CloudwatchClient: ...

    @property
    def dynamodb(self) -> DynamodbClient: ...

    @property
    def sns(self) -> SnsClient: ...

    @property
    def s3(self) -> S3Client: ...

    @property
    def sts(self) -> StsClient: ...

    @property
    def lambda_(self) -> LambdaClient: ...  # boto3's service "lambda"
