"""Did-you-mean for resource type and property names: a case-insensitive match first, else the closest name."""

from __future__ import annotations

from collections.abc import Collection, Iterable


def closest(name: str, choices: Iterable[str], cutoff: float = 0.75, same_initial: bool = True) -> str | None:
    """The choice that `name` most likely meant, or None when nothing is close enough to suggest."""
    options = list(choices)
    folded = name.casefold()
    for option in options:
        if option.casefold() == folded:
            return option
    lowered = {option.casefold(): option for option in options}
    # Same first letter: a typo rarely changes it, and a different word often matches the rest
    # (CachingEnabled is not TracingEnabled).
    alike = [key for key in lowered if key[:1] == folded[:1]] if same_initial else list(lowered)
    import difflib  # only when a name is misspelt

    match = difflib.get_close_matches(folded, alike, n=1, cutoff=cutoff)
    if match:
        return lowered[match[0]]
    # A choice the name starts with: words added to a real name (KubernetesConfiguration -> Kubernetes).
    stems = [key for key in lowered if len(key) >= 5 and folded.startswith(key)]
    return lowered[max(stems, key=len)] if stems else None


def closest_type(type_name: str, known: Collection[str]) -> str | None:
    """Closest resource type: a case-insensitive match (AWS::EC2::NATGateway -> AWS::EC2::NatGateway), else a
    close name in the same service, else a same-service name the given one starts with
    (AWS::SecurityHub::StandardsSubscription -> AWS::SecurityHub::Standard), else a very close name anywhere."""
    parts = type_name.split("::")
    if len(parts) != 3:
        return closest(type_name, known)
    prefix = f"{parts[0]}::{parts[1]}::".casefold()
    same_service = [t for t in known if t.casefold().startswith(prefix)]
    folded = {t.casefold(): t for t in known}
    if type_name.casefold() in folded:
        return folded[type_name.casefold()]
    by_name = {t.split("::")[2]: t for t in same_service}
    names = list(by_name)
    resource = parts[2].casefold()
    near = closest(parts[2], names, cutoff=0.85, same_initial=False)
    if near is None:
        # A same-service type the given name starts with: the user added words (StandardsSubscription).
        stems = [n for n in names if len(n) >= 5 and resource.startswith(n.casefold())]
        near = max(stems, key=len) if stems else closest(parts[2], names, cutoff=0.7, same_initial=False)
    if near:
        return by_name[near]
    return closest(type_name, known, cutoff=0.9, same_initial=False)
