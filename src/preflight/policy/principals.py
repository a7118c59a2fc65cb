"""Who makes a request, and whether a statement's Principal / NotPrincipal names them.

A statement can name a principal *directly* (its ARN, its service name, "*") or name its *account*
(``arn:aws:iam::<id>:root`` or the bare id). The second does not grant anything by itself: it delegates to the
account's IAM policies (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
#principal-accounts), which is what the KMS default key policy relies on
(https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html). ``match_principal`` therefore
answers two questions: (named directly, named through its account).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from preflight.policy import facts
from preflight.policy.match import arn_components, compile_pattern, component_value, equals, match
from preflight.policy.model import PrincipalBlock, PrincipalEntry, account_of
from preflight.policy.tri import NO, YES, Tri, and_, any_of, depends_on, not_, or_
from preflight.resolve.values import Symbol, Symbolic, Unknown, render

PRINCIPAL_KINDS = ("service", "aws", "federated", "canonical")

# The deployment's own account, when nothing more precise is known about a same-account principal.
DEPLOYMENT_ACCOUNT = Symbol("AWS::AccountId", "pseudo", "AWS::AccountId", 12, 12, None, "digits")


class Principal(NamedTuple):
    """The principal making a request. kind: service | aws | federated | canonical.

    value: a service principal name, an IAM ARN (role, user, root) or account id, a provider, a canonical id;
    str, Symbolic or Unknown. account: the principal's account, when the caller knows it better than its ARN says.
    """

    kind: str
    value: Any
    account: Any = None

    def __str__(self) -> str:
        return f"{self.kind} principal {render(self.value)}"


class PrincipalView(NamedTuple):
    """A principal as the matcher needs it: its equivalent names and its account."""

    principal: Principal
    equivalents: tuple[Any, ...]
    account: Any  # str | Symbolic | Unknown | None
    is_root: bool

    @property
    def kind(self) -> str:
        return self.principal.kind


def view_of(principal: Principal, *, region: Any, resource_account: Any, same_account: bool) -> PrincipalView:
    if principal.kind == "service":
        return PrincipalView(principal, service_equivalents(principal.value, region), None, False)
    root_account = account_of(principal.value) if principal.kind == "aws" else None
    account = principal.account or root_account or _arn_account(principal.value)
    if account is None and same_account and principal.kind == "aws":
        account = resource_account if resource_account is not None else Symbolic((DEPLOYMENT_ACCOUNT,))
    return PrincipalView(principal, (principal.value,), account, root_account is not None)


def _arn_account(value: Any) -> Any:
    components = arn_components(value)
    if components is None or not components[4]:
        return None
    return component_value(components[4])


def service_equivalents(value: Any, region: Any) -> tuple[Any, ...]:
    """The names a service principal is also known by (facts.REGIONAL_SERVICE_PRINCIPALS)."""
    out = [value]
    for entry in facts.REGIONAL_SERVICE_PRINCIPALS:
        regional = compile_pattern(f"{entry.regional_prefix}*{entry.regional_suffix}", fold=True)
        if (
            equals(entry.global_form, value, fold=True) is YES
            and isinstance(region, (str, Symbolic))
            and region
        ):
            out.append(_regional_name(entry, region))
        elif match(regional, value) is YES:
            out.append(entry.global_form)
    return tuple(out)


def _regional_name(entry: facts.RegionalPrincipal, region: Any) -> Any:
    middle = list(region.parts) if isinstance(region, Symbolic) else [region]
    return Symbolic.of([entry.regional_prefix, *middle, entry.regional_suffix])


def match_principal(block: PrincipalBlock | None, view: PrincipalView) -> tuple[Tri, Tri]:
    """(named directly, named through its account). A missing block names nobody."""
    if block is None:
        return NO, NO
    if block.negated:
        return not_(_excluded(block, view)), NO
    direct = NO
    for entry in block.entries:
        direct = or_(direct, _direct(entry, view))
        if direct is YES:
            return YES, NO
    if view.kind != "aws" or view.is_root:
        return direct, NO
    return direct, any_of(_via_account(e, view) for e in block.entries if e.account is not None)


def _direct(entry: PrincipalEntry, view: PrincipalView) -> Tri:
    if entry.kind == "*":
        return YES
    if entry.kind == "unknown":
        return depends_on(entry.value.reason if isinstance(entry.value, Unknown) else str(entry.value))
    if entry.kind != view.kind or entry.pattern is None:
        return NO
    if view.kind == "service":
        return any_of(match(entry.pattern, name) for name in view.equivalents)
    if view.kind == "aws" and entry.account_pattern is not None:
        return match(entry.account_pattern, view.account) if view.is_root else NO
    return match(entry.pattern, view.principal.value)


def _via_account(entry: PrincipalEntry, view: PrincipalView) -> Tri:
    if view.account is None or entry.account_pattern is None:
        return depends_on(f"the account of {view.principal}")
    return match(entry.account_pattern, view.account)


def _excluded(block: PrincipalBlock, view: PrincipalView) -> Tri:
    """NotPrincipal: an IAM principal is excluded only when both it and its account are listed.

    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    """
    listed = any_of(_direct(e, view) for e in block.entries)
    if view.kind != "aws" or view.is_root:
        return listed
    return and_(listed, any_of(_via_account(e, view) for e in block.entries if e.account is not None))
