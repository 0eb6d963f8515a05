"""Property tests: path parsing, SigV4 canonicalisation and presigning, Range parsing, name and
key-value rules, each against a deliberately simple model."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from aos_fs.models import (
    RESERVED_PROJECT_NAMES,
    KeyValue,
    KeyValueVariant,
    check_container_name,
    check_object_name,
    check_project_name,
)
from aos_fs.paths import AOSPath
from aos_server.domain.numbers import SATURATED
from aos_server.domain.permissions import Actor
from aos_server.domain.ranges import (
    ByteRange,
    OffsetRange,
    SuffixRange,
    parse_range_header,
    resolve,
)
from aos_server.errors import InvalidInput, PermissionDenied, RangeNotSatisfiable
from aos_server.services.resources import ResourceService
from aos_server.web.s3.errors import S3Error
from aos_server.web.s3.sigv4 import aws_quote, canonical_query, canonical_uris, parse_auth, presign
from tests.fuzz.conftest import FUZZ_DERANDOMIZE, FUZZ_EXAMPLES

pytestmark = pytest.mark.filterwarnings("error")
fuzz = settings(
    max_examples=max(FUZZ_EXAMPLES * 10, 50),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    derandomize=FUZZ_DERANDOMIZE,
)
ULID_CHARS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
UNRESERVED = set(string.ascii_letters + string.digits + "-_.~")

# --- aos_fs/paths.py -------------------------------------------------------------------------

project_names = st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)
segment = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/"), min_size=1
).filter(lambda s: s not in (".", ".."))
keys = st.lists(segment, min_size=1, max_size=4).map("/".join)
version_ids = st.text(st.sampled_from(ULID_CHARS), min_size=26, max_size=26)


def _looks_pinned(key: str) -> bool:
    return AOSPath.parse(f"p/{key}").pinned


@fuzz
@given(
    project=project_names,
    key=keys,
    pin=st.one_of(st.none(), st.integers(1, 10**17), version_ids),
    prefix=st.sampled_from(["", "aos://", "aos::", "/"]),
)
def test_path_round_trip(project: str, key: str, pin: int | str | None, prefix: str) -> None:
    if pin is None:
        assume(not _looks_pinned(key))  # an unpinned key that ends like a pin is ambiguous
    suffix = "" if pin is None else f"@{pin}"
    path = AOSPath.parse(f"{prefix}{project}/{key}{suffix}")
    assert (path.project, path.key) == (project, key)
    assert path.revision == (pin if isinstance(pin, int) else None)
    assert path.version_id == (pin if isinstance(pin, str) else None)
    assert AOSPath.parse(str(path)) == path
    assert str(path) == f"{project}/{key}{suffix}"
    assert path.segments == [project, *key.split("/")]
    assert AOSPath.parse(path.plain) == path.latest()
    if isinstance(pin, int):  # the keyword pins the same revision as the suffix
        assert AOSPath.parse(f"{project}/{key}", revision=pin) == path


@fuzz
@given(project=project_names, tail=st.text(max_size=30))
def test_path_parse_is_idempotent(project: str, tail: str) -> None:
    """Whatever parses, parses again from its own string form to the same value."""
    try:
        path = AOSPath.parse(f"{project}/{tail}")
    except ValueError:
        return
    assert AOSPath.parse(str(path)) == path


def test_pin_needs_the_very_end() -> None:
    """A pin followed by a newline is not a pin (`$` would have matched before it)."""
    assert AOSPath.parse("p/x@3\n") == AOSPath("p", "x@3\n")


# --- web/s3/sigv4.py -------------------------------------------------------------------------

query_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
pairs = st.lists(st.tuples(query_text, query_text), max_size=6)


def _raw_query(items: list[tuple[str, str]], quote_safe: str) -> str:
    return "&".join(f"{aws_quote(k, quote_safe)}={aws_quote(v, quote_safe)}" for k, v in items)


@fuzz
@given(items=pairs, seed=st.integers(), safe=st.sampled_from(["-_.~", "", "-_.~!*'()"]))
def test_canonical_query_decodes_sorts_and_reencodes(
    items: list[tuple[str, str]], seed: int, safe: str
) -> None:
    # Clients escape differently (`safe`) and order freely; the canonical form does not care.
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)
    canonical = canonical_query(_raw_query(shuffled, safe))
    assert canonical == canonical_query(_raw_query(items, "-_.~"))
    assert canonical_query(canonical) == canonical  # idempotent
    if not items:
        assert canonical == ""
        return
    encoded = [tuple(item.split("=", 1)) for item in canonical.split("&")]
    assert encoded == sorted((aws_quote(k), aws_quote(v)) for k, v in items)
    assert sorted((unquote(k), unquote(v)) for k, v in encoded) == sorted(items)
    for ch in canonical.replace("%", "").replace("&", "").replace("=", ""):
        assert ch in UNRESERVED or ch in string.hexdigits


@fuzz
@given(
    st.lists(
        st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="/"), max_size=8),
        max_size=4,
    )
)
def test_canonical_uri_normalises_to_one_encoding(segments: list[str]) -> None:
    raw = "/" + "/".join(aws_quote(s, "/~-_.!$&'()*+,;=:@") for s in segments)
    forms = canonical_uris(raw)
    assert forms[0] == raw
    normal = forms[-1]
    assert unquote(normal) == unquote(raw)
    assert canonical_uris(normal) == [normal]  # the normal form is a fixed point
    assert normal == "/" + "/".join(aws_quote(s, "~-_.") for s in segments)


SECRET = "property-secret-key-0123456789"
BASE = "http://127.0.0.1:9000"
SIGNED_AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _verify(url: str, method: str = "GET") -> tuple[str, str, list[tuple[str, str]]]:
    """Check `url` as the server would; return what the request means if it verifies."""
    after_scheme = url.split("://", 1)[1]
    host, slash, path_and_query = after_scheme.partition("/")
    parsed = URL(url, encoded=True)
    headers = CIMultiDictProxy(CIMultiDict({"host": host}))
    auth = parse_auth(method, slash + path_and_query, headers, parsed.query)
    assert auth is not None
    auth.verify(SECRET, now=SIGNED_AT + timedelta(seconds=1))
    return host, unquote(parsed.raw_path), sorted(parsed.query.items())


object_keys = st.lists(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=8),
    min_size=1,
    max_size=3,
).map(lambda parts: "/".join(parts))


@fuzz
@given(
    key=object_keys,
    expires=st.integers(1, 604800),
    extra=st.dictionaries(st.sampled_from(["versionId", "response-content-type"]), query_text),
    data=st.data(),
)
def test_presigned_url_verifies_and_any_changed_character_is_refused(
    key: str, expires: int, extra: dict[str, str], data: st.DataObject
) -> None:
    raw_path = "/bucket/" + aws_quote(key, "/~-_.")
    url = presign(
        method="GET",
        base_url=BASE,
        raw_path=raw_path,
        access_key="AKPROPERTY",
        secret=SECRET,
        expires=expires,
        now=SIGNED_AT,
        extra_query=extra,
    )
    meaning = _verify(url)
    # Change one character anywhere after the scheme (the scheme itself is never signed).
    start = len("http://")
    i = data.draw(st.integers(start, len(url) - 1), label="position")
    new = data.draw(st.sampled_from(string.printable.strip() + "é"), label="character")
    assume(new != url[i])
    for changed in (url[:i] + new + url[i + 1 :], url[:i] + url[i + 1 :]):
        try:
            changed_meaning = _verify(changed)
        except (S3Error, ValueError, AssertionError):
            continue  # refused (or not even a request)
        # Only a different spelling of the same request may pass, e.g. `%2f` for `%2F`.
        assert changed_meaning == meaning, f"{changed!r} verified"


# --- domain/ranges.py ------------------------------------------------------------------------


def _number(digits: str) -> int | None:
    """More than 18 significant digits is past any object, so such numbers saturate."""
    if not digits:
        return None
    return SATURATED if len(digits.lstrip("0")) > 18 else int(digits)


def range_model(value: str) -> tuple[str, int, int | None] | None:
    """The accepted grammar, written out by hand: `bytes=` then one `first-last` spec."""
    text = value.strip().replace(" ", "")
    if not text.startswith("bytes="):
        return None
    spec = text[len("bytes=") :]
    if spec.count("-") != 1:
        return None
    first, last = spec.split("-")
    if any(c not in "0123456789" for c in first + last) or not (first or last):
        return None
    a, b = _number(first), _number(last)
    if a is not None and b is not None:
        return None if b < a else ("byte", a, b)
    return ("offset", a, None) if a is not None else ("suffix", b, None)  # type: ignore[return-value]


range_text = st.one_of(
    st.text(max_size=20),
    st.builds(
        lambda pre, a, b, pad: f"{pad}{pre}{a}-{b}{pad}",
        st.sampled_from(["bytes=", "bytes =", "Bytes=", "bytes=-", "items="]),
        st.one_of(
            st.just(""), st.integers(0, 10**6).map(str), st.text("0123456789²٣ ", max_size=30)
        ),
        st.one_of(
            st.just(""), st.integers(0, 10**6).map(str), st.text("0123456789²٣,-", max_size=30)
        ),
        st.sampled_from(["", " ", "\t"]),
    ),
)


@fuzz
@given(value=range_text, size=st.integers(0, 10**7))
def test_range_parser_matches_the_model(value: str, size: int) -> None:
    want = range_model(value)
    try:
        spec = parse_range_header(value)
    except InvalidInput:
        assert want is None, value
        return
    match spec:
        case ByteRange(start=a, end=b):
            got = ("byte", a, b)
        case OffsetRange(start=a):
            got = ("offset", a, None)
        case SuffixRange(length=n):
            got = ("suffix", n, None)
    assert got == want, value
    # Resolution against an object of `size` bytes: the selected bytes, as a slice would.
    kind, a, b = got
    sel = {
        "byte": slice(a, (b or 0) + 1),
        "offset": slice(a, None),
        "suffix": slice(max(size - a, 0), None) if a else slice(0, 0),
    }[kind]
    expected = range(size)[sel]
    try:
        offset, length = resolve(spec, size)
    except RangeNotSatisfiable:
        assert len(expected) == 0
        return
    assert (offset, length) == (expected.start, len(expected)) and length > 0


# --- name and key-value rules ----------------------------------------------------------------


def accepts(check: object, name: str) -> bool:
    try:
        check(name)  # type: ignore[operator]
    except ValueError:
        return False
    return True


def project_model(name: str) -> bool:
    allowed = set(string.ascii_lowercase + string.digits + "-")
    return (
        3 <= len(name) <= 63
        and set(name) <= allowed
        and name[0] != "-"
        and name[-1] != "-"
        and "--" not in name[:4]  # no punycode-style `xn--` prefixes, as S3 refuses them
        and name not in RESERVED_PROJECT_NAMES
    )


def is_control(ch: str) -> bool:
    return ord(ch) < 0x20 or ord(ch) == 0x7F


def container_model(name: str) -> bool:
    return (
        1 <= len(name.encode("utf-8", "surrogatepass")) <= 255
        and "/" not in name
        and name not in (".", "..")
        and not any(is_control(c) for c in name)
    )


def object_model(name: str) -> bool:
    segments = name.split("/")
    return (
        1 <= len(name.encode("utf-8", "surrogatepass")) <= 1024
        and not any(is_control(c) for c in name)
        and all(seg not in ("", ".", "..") for seg in segments)
    )


names = st.one_of(
    st.text(max_size=70),
    st.text("abcz09-/.\n\x00 é", max_size=70),
    st.from_regex(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]\n?", fullmatch=True),
    st.sampled_from(sorted(RESERVED_PROJECT_NAMES)),
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=250, max_size=1100),
)


@fuzz
@given(names)
def test_name_rules_match_the_models(name: str) -> None:
    assert accepts(check_project_name, name) == project_model(name), repr(name)
    assert accepts(check_container_name, name) == container_model(name), repr(name)
    assert accepts(check_object_name, name) == object_model(name), repr(name)


@fuzz
@given(
    key=st.text(max_size=260),
    value=st.text(max_size=10),
    long_value=st.booleans(),
    variant=st.sampled_from([*KeyValueVariant, "OTHER"]),
)
def test_key_value_model(key: str, value: str, long_value: bool, variant: str) -> None:
    if long_value:
        value = value * 500
    ok = 1 <= len(key) <= 256 and len(value) <= 4096 and variant in set(KeyValueVariant)
    try:
        KeyValue.model_validate({"key": key, "value": value, "variant": variant})
    except ValueError:
        assert not ok
    else:
        assert ok


@fuzz
@given(
    variants=st.lists(st.sampled_from(list(KeyValueVariant)), max_size=4),
    purpose=st.sampled_from(["user", "hook"]),
    global_admin=st.booleans(),
)
def test_key_value_variants_who_may_add(
    variants: list[KeyValueVariant], purpose: str, global_admin: bool
) -> None:
    """HOOK_STATUS is written only by hooks and global admins; every other variant by anyone
    who may write the resource (checked elsewhere)."""
    actor = Actor(user_id="01J00000000000000000000000", is_admin=global_admin, purpose=purpose)
    kvs = [KeyValue(key=f"k{i}", value="v", variant=v) for i, v in enumerate(variants)]
    allowed = KeyValueVariant.HOOK_STATUS not in variants or purpose == "hook" or actor.global_admin
    try:
        ResourceService._check_key_values(actor, kvs, adding=True)
    except PermissionDenied:
        assert not allowed
    else:
        assert allowed
