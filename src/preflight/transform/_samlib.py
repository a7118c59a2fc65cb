"""The only module that imports aws-sam-translator (and with it boto3, pydantic, jsonschema): imported by
transform/sam.py when a template declares the SAM transform, never at start-up."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

# aws-sam-translator ships no type information (no py.typed)
from samtranslator.model.exceptions import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
    InvalidDocumentException,
    InvalidResourceException,
)
from samtranslator.parser.parser import Parser  # type: ignore[import-not-found,import-untyped,unused-ignore]
from samtranslator.plugins.application.serverless_app_plugin import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
    ServerlessAppPlugin,
)
from samtranslator.translator import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
    translator as _translator,
)
from samtranslator.translator.arn_generator import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
    ArnGenerator,
)
from samtranslator.translator.translator import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
    Translator,
)

if TYPE_CHECKING:  # pragma: no cover
    from preflight.resolve.pins import Pins

# The policy-template plugin validates SAM's bundled templates against a JSON schema each time it is made (35 ms
# of every translation); it holds no state between translations, so one instance serves them all.
_made = _translator.make_policy_template_for_function_plugin
_translator.make_policy_template_for_function_plugin = cache(_made)

DEFAULT_REGION = "us-east-1"
# A region of each partition, for a partition pinned without a region (the translator derives the partition from
# the region: samtranslator/translator/arn_generator.py).
_PARTITION_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1",
                     "aws-iso": "us-iso-east-1", "aws-iso-b": "us-isob-east-1"}
_APP_TEMPLATE = "https://preflight-placeholder.s3.amazonaws.com/serverless-application/{}.template"


class TranslationError(Exception):
    def __init__(self, causes: list[tuple[str | None, str]]) -> None:
        super().__init__("; ".join(m for _, m in causes))
        self.causes = causes


class _Session:
    """Stands in for a boto3 session: the translator reads only its region (no credentials, no configuration)."""

    def __init__(self, region: str) -> None:
        self.region_name = region

    def get_available_regions(self, service: str, partition_name: str = "aws") -> list[str]:
        return [self.region_name]


class _OfflineApplications(ServerlessAppPlugin):  # type: ignore[misc]
    """AWS::Serverless::Application with an ApplicationId: SAM asks the Serverless Application Repository for a
    template URL. Offline, every application gets a placeholder URL; what the nested stack holds is not checked."""

    def on_before_transform_template(self, template_dict: dict[str, Any]) -> None:
        resources = template_dict.get("Resources")
        resolvers = self._get_intrinsic_resolvers(template_dict.get("Mappings", {}))
        for resource in resources.values() if isinstance(resources, dict) else ():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Application":
                continue
            props = resource.get("Properties")
            location = props.get("Location") if isinstance(props, dict) else None
            if not isinstance(location, dict):
                continue
            if location.get("ApplicationId") is None or location.get("SemanticVersion") is None:
                continue
            # Ref and Fn::FindInMap are resolved as SAM resolves them (the partition, mappings, parameters)
            app_id = self._replace_value(location, self.APPLICATION_ID_KEY, resolvers)
            semver = self._replace_value(location, self.SEMANTIC_VERSION_KEY, resolvers)
            key = self._make_app_key(app_id, semver)
            name = str(app_id).rsplit("/", 1)[-1] if isinstance(app_id, str) else "application"
            self._applications[key] = _APP_TEMPLATE.format(name)


def region_for(pins: Pins) -> str:
    if pins.region:
        return pins.region
    return _PARTITION_REGION.get(pins.effective_partition, DEFAULT_REGION)


@cache
def managed_policy_map(partition: str) -> dict[str, str]:
    """Managed policy name -> ARN, from our snapshot (the SAM CLI ships the same kind of map), in `partition`."""
    from preflight.data.policies import managed_policy_arns

    table: dict[str, str] = {}
    for arn in sorted(managed_policy_arns()):
        name = arn.rsplit("/", 1)[-1]
        table.setdefault(name, arn.replace("arn:aws:", f"arn:{partition}:", 1))
    return table


def translate(template: dict[str, Any], parameters: dict[str, Any], pins: Pins) -> dict[str, Any]:
    region = region_for(pins)
    session = _Session(region)
    ArnGenerator.BOTO_SESSION_REGION_NAME = region
    partition = ArnGenerator.get_partition_name(region)
    values = {"AWS::Region": region, "AWS::Partition": partition, **parameters}
    translator = Translator(managed_policy_map=managed_policy_map(partition), sam_parser=Parser(),
                            plugins=[_OfflineApplications(parameters=dict(values))], boto_session=session)
    try:
        result: dict[str, Any] = translator.translate(sam_template=template, parameter_values=values,
                                                      passthrough_metadata=True)
    except InvalidDocumentException as exc:
        raise TranslationError([_cause(c) for c in exc.causes] or [(None, str(exc))]) from None
    except InvalidResourceException as exc:
        raise TranslationError([_cause(exc)]) from None
    except Exception as exc:  # noqa: BLE001  (a third-party library: its crash becomes one finding, house rule 7)
        # The translator's own validation misses some shapes and fails on them with a Python error (KeyError,
        # TypeError...); CloudFormation reports an internal failure of the transform then.
        message = f"the SAM translator failed on this template: {type(exc).__name__}: {exc}"
        raise TranslationError([(None, message)]) from None
    return result


def _cause(cause: Any) -> tuple[str | None, str]:
    logical_id = getattr(cause, "logical_id", None) or getattr(cause, "_logical_id", None)
    message = getattr(cause, "message", None) or str(cause)
    return (logical_id if isinstance(logical_id, str) else None, str(message))
