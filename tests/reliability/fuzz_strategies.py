"""Hypothesis strategies derived from protobuf descriptors, for fuzzing the public API.

Nothing here knows a particular RPC: a request strategy is built by walking the input message's
descriptor, so a new RPC or a new field is fuzzed without touching this module. Field *names*
steer the values a little (ids, page tokens, etags, emails, update masks) because a purely random
string almost never gets past the first validation check, and the interesting failures hide
behind it: a well-formed id of a real object, a real page token with a tampered position.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import descriptor_pb2, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

# How deep nested (non well-known) messages are filled before leaving them empty.
MAX_DEPTH = 3
# The largest generated string: well past every documented field limit (and the 4 KB token cap),
# yet small enough that a message with a few of them stays under the server's receive limit.
HUGE = 100_000

_T = descriptor_pb2.FieldDescriptorProto
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_UINT32 = (0, 2**32 - 1)
_UINT64 = (0, 2**64 - 1)
_INT_RANGES: dict[int, tuple[int, int]] = {
    _T.TYPE_INT32: _INT32,
    _T.TYPE_SINT32: _INT32,
    _T.TYPE_SFIXED32: _INT32,
    _T.TYPE_INT64: _INT64,
    _T.TYPE_SINT64: _INT64,
    _T.TYPE_SFIXED64: _INT64,
    _T.TYPE_UINT32: _UINT32,
    _T.TYPE_FIXED32: _UINT32,
    _T.TYPE_UINT64: _UINT64,
    _T.TYPE_FIXED64: _UINT64,
}

# Text that breaks naive handling: NUL, right-to-left override, combining marks, astral plane,
# zero-width and BOM, line breaks, SQL / LIKE / tsquery / JSON metacharacters, a lone "W/".
SPECIAL_PIECES = (
    "\x00",
    "a\x00b",
    "\u202e",
    "\u200f\u05e9\u05dc\u05d5\u05dd",
    "e\u0301\u0308\u0323",
    "\U0001f600",
    "\U0001d573\U00010348",
    "\u200b",
    "\ufeff",
    "\r\n",
    "\t",
    "' OR 1=1 --",
    '"; DROP TABLE tickets; --',
    "%_\\",
    "!&|:*()<->",
    "a:* & !b",
    '{"v":1}',
    "W/",
    " ",
    "ação",
    "\u0000\u0001\u007f",
    "\U0010ffff",
)
# Strings that look like ids but are not quite, and ids that are well-formed but name nothing.
ID_LOOKALIKES = (
    "",
    " ",
    "0",
    "-1",
    "00000000-0000-0000-0000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "not-a-uuid",
    "12345678-1234-1234-1234-1234567890ab\x00",
    "12345678-1234-1234-1234-1234567890abc",
    "12345678-1234-1234-1234-1234567890a",
    "{12345678-1234-1234-1234-1234567890ab}",
    "urn:uuid:12345678-1234-1234-1234-1234567890ab",
    "123456781234123412341234567890ab",
    "12345678-1234-1234-1234-1234567890AB",
    "ZZZZZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZZZZZZZZZ",
    "../../etc/passwd",
    "1; SELECT pg_sleep(10)",
    "%00",
    "tickets/12345678-1234-1234-1234-1234567890ab",
)
ORDER_BY_SAMPLES = (
    "",
    "create_time",
    "create_time desc",
    "create_time asc",
    "update_time desc",
    "priority desc, create_time",
    "seq",
    "seq desc",
    "view_count desc",
    "title",
    "relevance",
    "desc",
    "create_time desc desc",
    "create_time,",
    ",",
    "password_hash",
    "1; DROP TABLE users",
    "create_time DESC",
    "  create_time   desc  ",
)
ETAG_SAMPLES = ('W/"1"', 'W/"0"', 'W/"-1"', 'W/"99999999999999999999"', '"1"', "1", "W/", 'W/"', "*", "")


@dataclass
class Corpus:
    """Real values of the server under test; strategies mix them with garbage."""

    ids: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    etags: list[str] = field(default_factory=list)
    page_tokens: list[str] = field(default_factory=list)
    refresh_tokens: list[str] = field(default_factory=list)
    # Users a forged token may claim to be (the signed-in callers, the administrator among them).
    principal_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Caller:
    """Who sends a fuzzed call: a real signed-in role, a literal (forged) authorization value, or nobody."""

    role: str | None = None
    authorization: str | None = None

    def describe(self) -> str:
        """A short label for failure messages."""
        if self.role is not None:
            return f"signed in as {self.role}"
        if self.authorization is not None:
            return f"authorization={self.authorization[:120]!r}"
        return "anonymous"


@dataclass(frozen=True)
class JwtSettings:
    """What a genuine access token looks like, so that forgeries differ from it in one way at a time."""

    secret: str
    issuer: str
    audience: str


def message_class(descriptor: Descriptor) -> type[Message]:
    """The generated Python class of a message descriptor."""
    return message_factory.GetMessageClass(descriptor)


# --- scalars -------------------------------------------------------------------------------------


def plain_strings() -> st.SearchStrategy[str]:
    """Short readable text that passes most validation (so that later checks are reached)."""
    return st.sampled_from(("Printer on fire", "hello", "a", "Olá, não consigo entrar", "x" * 200, "tag-1"))


def huge_strings() -> st.SearchStrategy[str]:
    """Strings of a few KB up to ~100 KB, ASCII or multi-byte, built without drawing every character."""
    piece = st.sampled_from(("a", "é", "\U0001f600", "ab\x00", "e\u0301", " ", "\u202e"))
    return st.tuples(piece, st.integers(min_value=1_000, max_value=HUGE)).map(lambda pair: pair[0] * pair[1])


def nasty_strings() -> st.SearchStrategy[str]:
    """Any string the wire allows: empty, random unicode, special pieces glued together, huge."""
    # Surrogates cannot be encoded as UTF-8, so protobuf itself refuses them: leave them out.
    random_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
    glued = st.lists(st.one_of(random_text, st.sampled_from(SPECIAL_PIECES)), max_size=6).map("".join)
    return st.one_of(st.just(""), plain_strings(), random_text, glued, huge_strings())


def id_strings(corpus: Corpus) -> st.SearchStrategy[str]:
    """Real ids, fresh well-formed ids that name nothing, and near-ids."""
    real = st.sampled_from(corpus.ids) if corpus.ids else st.nothing()
    return st.one_of(
        real,
        st.uuids().map(str),
        st.sampled_from(ID_LOOKALIKES),
        nasty_strings(),
    )


def emails(corpus: Corpus) -> st.SearchStrategy[str]:
    """Real addresses (in other cases and with spaces), plausible new ones, and garbage."""
    real = st.sampled_from(corpus.emails) if corpus.emails else st.nothing()
    return st.one_of(
        real,
        real.map(str.upper),
        real.map(lambda e: f"  {e}  "),
        st.emails().map(str),
        st.sampled_from(("@", "a@", "@b", "a@b", "a@@b.c", "a b@c.d", "ação@exemplo.pt", "x" * 300 + "@e.com")),
        nasty_strings(),
    )


def page_tokens(corpus: Corpus) -> st.SearchStrategy[str]:
    """Real page tokens, truncated or tampered with, and base64 of garbage."""
    real = st.sampled_from(corpus.page_tokens) if corpus.page_tokens else st.nothing()

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return st.one_of(
        real,
        st.tuples(real, st.integers(min_value=0, max_value=200)).map(lambda pair: pair[0][: pair[1]]),
        st.tuples(real, st.sampled_from(("=", "==", "!", "A", "\x00", " "))).map("".join),
        st.builds(_tamper_position, real, positions()),
        st.binary(max_size=64).map(b64),
        positions().map(lambda value: b64(json.dumps({"v": 1, "p": value, "f": "0" * 16}).encode())),
        positions().map(lambda value: b64(json.dumps(value).encode())),
        st.sampled_from(("", "=", "====", "a", "null", "e30", "W10", "eyJ2IjoxfQ", "%%%")),
        nasty_strings(),
    )


def _tamper_position(token: str, position: object) -> str:
    """A real token with its keyset position replaced (the filter digest kept, so it gets that far)."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        return token
    if isinstance(payload, dict):
        payload["p"] = position
    raw = json.dumps(payload, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Keyset positions a tampered token may carry: timestamps out of range or naive, ids that are
# not ids, numbers where text is expected, enormous offsets.
ODD_POSITION_VALUES = (
    "",
    "9999-12-31T23:59:59.999999+00:00",
    "0001-01-01T00:00:00+00:00",
    "2024-01-01T00:00:00",
    "2024-13-45T99:99:99+00:00",
    "not-a-uuid",
    "00000000-0000-0000-0000-000000000000",
    "-1",
    "0",
    "99999999999999999999999",
    "1e308",
    "NaN",
    "\x00",
)


def positions() -> st.SearchStrategy[object]:
    """What a tampered token may hold as its position: lists of odd strings, or anything JSON."""
    # Two levels spelled out rather than st.recursive: deep nesting adds nothing a decoder has not
    # already refused at the first wrong type.
    leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
    junk_json = st.one_of(
        leaf,
        st.lists(leaf, max_size=4),
        st.dictionaries(st.text(max_size=4), leaf, max_size=4),
        st.lists(st.lists(leaf, max_size=3), max_size=3),
    )
    odd = st.one_of(st.sampled_from(ODD_POSITION_VALUES), st.uuids().map(str), st.text(max_size=20))
    return st.one_of(st.lists(odd, max_size=4), junk_json)


def integers_for(field_type: int) -> st.SearchStrategy[int]:
    """Any integer the field's wire type holds, with the bounds, 0 and -1 drawn often."""
    low, high = _INT_RANGES[field_type]
    edges = sorted({low, high, 0, 1, -1 if low < 0 else 0, 5, 50, 200, 201, 10_000, low + 1, high - 1})
    return st.one_of(st.sampled_from(edges), st.integers(min_value=low, max_value=high))


def enum_values(field: FieldDescriptor) -> st.SearchStrategy[int]:
    """The enum's declared numbers and, for open (proto3) enums, numbers it does not declare."""
    enum = field.enum_type
    assert enum is not None
    known = st.sampled_from([value.number for value in enum.values])
    if enum.is_closed:
        return known
    return st.one_of(known, st.sampled_from((-1, 99, 2**31 - 1, -(2**31))), st.integers(*_INT32))


# --- well-known types ----------------------------------------------------------------------------

# google.protobuf.Timestamp's valid range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z.
_TIMESTAMP_MIN = -62_135_596_800
_TIMESTAMP_MAX = 253_402_300_799


def timestamps(descriptor: Descriptor) -> st.SearchStrategy[Message]:
    """Timestamps near now, at the edges of the valid range, past them, and with bad nanos."""
    # Offsets from the clock at build time: strategy bounds must not move between examples.
    seconds = st.one_of(
        st.integers(min_value=-10 * 365 * 86400, max_value=365 * 86400).map(lambda offset: int(time.time()) + offset),
        st.sampled_from((0, -1, _TIMESTAMP_MIN, _TIMESTAMP_MAX, _TIMESTAMP_MIN - 1, _TIMESTAMP_MAX + 1)),
        st.integers(*_INT64),
    )
    nanos = st.one_of(
        st.just(0), st.integers(0, 999_999_999), st.sampled_from((-1, 1_000_000_000)), st.integers(*_INT32)
    )
    cls = message_class(descriptor)
    return st.builds(lambda s, n: cls(seconds=s, nanos=n), seconds, nanos)


def field_mask_paths(request: Descriptor) -> list[str]:
    """Plausible update-mask paths for a request: the fields of the resource messages it carries."""
    paths: list[str] = []
    for holder in request.fields:
        resource = holder.message_type
        if resource is None or resource.full_name.startswith("google.protobuf."):
            continue
        for inner in resource.fields:
            paths += [inner.name, inner.json_name, f"{holder.name}.{inner.name}"]
    return paths


def field_masks(descriptor: Descriptor, request: Descriptor) -> st.SearchStrategy[Message]:
    """Masks of valid paths, output-only and unknown paths, `*`, duplicates and garbage."""
    known = field_mask_paths(request)
    path = st.one_of(
        st.sampled_from(known) if known else st.nothing(),
        st.sampled_from(("*", "", ".", "id", "etag", "create_time", "password_hash", "a.b.c", "tags[0]")),
        nasty_strings(),
    )
    cls = message_class(descriptor)

    def build(paths: list[str]) -> Message:
        mask = cls()
        mask.paths.extend(paths)  # type: ignore[attr-defined]
        return mask

    return st.lists(path, max_size=6).map(build)


# --- messages ------------------------------------------------------------------------------------


def string_values(field: FieldDescriptor, corpus: Corpus) -> st.SearchStrategy[str]:
    """Strings for one field, steered by its name."""
    name = field.name
    if name == "page_token":
        return page_tokens(corpus)
    if name == "etag":
        real = st.sampled_from(corpus.etags) if corpus.etags else st.nothing()
        return st.one_of(real, st.sampled_from(ETAG_SAMPLES), nasty_strings())
    if name == "email":
        return emails(corpus)
    if name == "refresh_token":
        real = st.sampled_from(corpus.refresh_tokens) if corpus.refresh_tokens else st.nothing()
        return st.one_of(
            real,
            st.binary(min_size=32, max_size=32).map(lambda b: base64.urlsafe_b64encode(b).decode()),
            nasty_strings(),
        )
    if name == "order_by":
        return st.one_of(st.sampled_from(ORDER_BY_SAMPLES), nasty_strings())
    if name == "request_id":
        return st.one_of(st.uuids().map(str), st.sampled_from(ID_LOOKALIKES), nasty_strings())
    if name == "id" or name.endswith("_id"):
        return id_strings(corpus)
    # Readable text about half the time, so that requests often pass validation and change state.
    return st.one_of(plain_strings(), nasty_strings())


def scalar_values(field: FieldDescriptor, corpus: Corpus) -> st.SearchStrategy[Any]:
    """Values for one non-message field (one element of it, when repeated)."""
    kind = field.type
    if kind == _T.TYPE_STRING:
        return string_values(field, corpus)
    if kind == _T.TYPE_BYTES:
        return st.one_of(st.binary(max_size=256), huge_strings().map(str.encode))
    if kind == _T.TYPE_BOOL:
        return st.booleans()
    if kind == _T.TYPE_ENUM:
        return enum_values(field)
    if kind in (_T.TYPE_DOUBLE, _T.TYPE_FLOAT):
        return st.floats(width=64 if kind == _T.TYPE_DOUBLE else 32)
    if kind in _INT_RANGES:
        return integers_for(kind)
    raise AssertionError(f"no strategy for field type {kind} of {field.full_name}")


def field_values(field: FieldDescriptor, corpus: Corpus, request: Descriptor, depth: int) -> st.SearchStrategy[Any]:
    """Values for one field (one element of it, when repeated)."""
    inner = field.message_type
    if inner is None:
        return scalar_values(field, corpus)
    if inner.full_name == "google.protobuf.Timestamp":
        return timestamps(inner)
    if inner.full_name == "google.protobuf.FieldMask":
        return field_masks(inner, request)
    return messages(inner, corpus, request=request, depth=depth + 1)


def _map_entry(field: FieldDescriptor) -> Descriptor | None:
    """The synthetic entry message of a map field, None for any other field."""
    entry = field.message_type
    return entry if entry is not None and entry.GetOptions().map_entry else None


def _assign(message: Message, field: FieldDescriptor, value: Any) -> None:
    target = getattr(message, field.name)
    entry = _map_entry(field)
    if entry is not None:
        value_field = entry.fields_by_name["value"]
        for key, item in value.items():
            if value_field.message_type is None:
                target[key] = item
            else:
                target[key].CopyFrom(item)
    elif field.is_repeated:
        if field.message_type is None:
            target.extend(value)
        else:
            for item in value:
                target.add().CopyFrom(item)
    elif field.message_type is None:
        setattr(message, field.name, value)
    else:
        target.CopyFrom(value)


def _values_for(field: FieldDescriptor, corpus: Corpus, request: Descriptor, depth: int) -> st.SearchStrategy[Any]:
    entry = _map_entry(field)
    if entry is not None:
        keys = field_values(entry.fields_by_name["key"], corpus, request, depth)
        values = field_values(entry.fields_by_name["value"], corpus, request, depth)
        return st.dictionaries(keys, values, max_size=4)
    element = field_values(field, corpus, request, depth)
    if field.is_repeated:
        # Mostly short lists, now and then far more elements than any documented limit.
        return st.one_of(st.lists(element, max_size=5), st.lists(element, min_size=21, max_size=60))
    return element


def messages(
    descriptor: Descriptor, corpus: Corpus, *, request: Descriptor | None = None, depth: int = 0
) -> st.SearchStrategy[Message]:
    """Messages of `descriptor` with a random subset of fields set, at most one per oneof."""
    request = request or descriptor
    cls = message_class(descriptor)
    if depth > MAX_DEPTH:
        return st.just(cls())
    plain = [f for f in descriptor.fields if f.containing_oneof is None]
    oneofs = list(descriptor.oneofs)
    # Proto3 `optional` fields live in synthetic oneofs of one member; treat them as plain fields.
    real_oneofs = [o for o in oneofs if not (len(o.fields) == 1 and o.name == f"_{o.fields[0].name}")]
    plain += [o.fields[0] for o in oneofs if o not in real_oneofs]

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        message = cls()
        # Either every field (complete requests get furthest) or a random subset (absent fields).
        dense = draw(st.booleans())
        for member in plain:
            if dense or draw(st.booleans()):
                _assign(message, member, draw(_values_for(member, corpus, request, depth)))
        for oneof in real_oneofs:
            chosen = draw(st.sampled_from([None, *oneof.fields]))
            if chosen is not None:
                _assign(message, chosen, draw(_values_for(chosen, corpus, request, depth)))
        return message

    return build()


def requests(method: MethodDescriptor, corpus: Corpus) -> st.SearchStrategy[Message]:
    """Request messages for `method`, derived from its input descriptor.

    A method with a `page_token` also gets requests carrying only a token (and maybe a size): a
    page token is bound to the filters it was issued for, and the real tokens were issued without
    filters, so only such requests take a tampered position all the way to the keyset decoding.
    """
    anything = messages(method.input_type, corpus)
    fields = method.input_type.fields_by_name
    if "page_token" not in fields or fields["page_token"].type != _T.TYPE_STRING:
        return anything
    cls = message_class(method.input_type)
    sizes = integers_for(fields["page_size"].type) if "page_size" in fields else st.just(0)

    def paging(token: str, size: int) -> Message:
        return cls(page_token=token, page_size=size) if "page_size" in fields else cls(page_token=token)

    return st.one_of(anything, st.builds(paging, page_tokens(corpus), sizes))


# --- credentials ---------------------------------------------------------------------------------


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(value: object) -> str:
    return _b64url(json.dumps(value, separators=(",", ":")).encode())


def _sign(header: dict[str, Any], claims: dict[str, Any], key: bytes, digest: Any = hashlib.sha256) -> str:
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return f"{signing_input}.{_b64url(signature)}"


def forged_tokens(jwt: JwtSettings, corpus: Corpus) -> st.SearchStrategy[str]:
    """Access tokens a client could send that must never be accepted."""
    now = int(time.time())
    subject = st.sampled_from(corpus.principal_ids) if corpus.principal_ids else st.uuids().map(str)

    def claims(sub: str, changes: dict[str, Any] | None = None) -> dict[str, Any]:
        base: dict[str, Any] = {
            "iss": jwt.issuer,
            "aud": jwt.audience,
            "sub": sub,
            "sid": str(uuid.uuid4()),
            "typ": "access",
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
        }
        base.update(changes or {})
        return {k: v for k, v in base.items() if v is not None}

    hs256 = {"alg": "HS256", "typ": "JWT"}
    odd_claims: list[dict[str, Any]] = [
        {"exp": now - 3600, "iat": now - 7200},
        {"aud": "someone-else"},
        {"iss": "evil"},
        {"typ": "refresh"},
        {"sid": None},
        {"sid": "not-a-uuid"},
        {"sub": "not-a-uuid"},
        {"sub": 12345},
        {"exp": "tomorrow"},
        {"iat": now + 86400 * 365},
        {"jti": None},
    ]
    secret = jwt.secret.encode()
    return st.one_of(
        # alg none, with and without a signature segment.
        subject.map(lambda sub: f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(claims(sub))}."),
        subject.map(lambda sub: f"{_segment({'alg': 'None'})}.{_segment(claims(sub))}"),
        # Right claims, wrong key.
        st.tuples(subject, st.binary(min_size=1, max_size=64)).map(lambda p: _sign(hs256, claims(p[0]), p[1])),
        # The right key but another algorithm than the pinned one.
        subject.map(lambda sub: _sign({"alg": "HS512", "typ": "JWT"}, claims(sub), secret, hashlib.sha512)),
        # Signed with the real key but expired, or for another audience/issuer/type, or with odd claims.
        st.tuples(subject, st.sampled_from(odd_claims)).map(lambda p: _sign(hs256, claims(p[0], p[1]), secret)),
        # Garbage segments and a header several KB long (over the token length limit, under gRPC's
        # 8 KB metadata limit so that it reaches the server at all).
        st.sampled_from(("", ".", "..", "a.b.c", "a.b", "....", "eyJ.eyJ.", "Bearer", "null")),
        st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=80),
        st.integers(min_value=3200, max_value=5000).map(
            lambda n: _segment({"alg": "HS256", "pad": "A" * n}) + ".e30.x"
        ),
    )


def callers(jwt: JwtSettings, corpus: Corpus) -> st.SearchStrategy[Caller]:
    """Mostly real signed-in roles (so that calls reach the handlers), sometimes nobody or a forgery."""
    bearer = forged_tokens(jwt, corpus)
    header = st.one_of(
        bearer.map(lambda token: f"Bearer {token}"),
        bearer.map(lambda token: f"bearer {token}"),
        bearer,
        st.sampled_from(("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer  x  y")),
    )
    forged = header.map(lambda value: Caller(authorization=value))

    def caller(kind: str) -> st.SearchStrategy[Caller]:
        if kind == "forged":
            return forged
        return st.just(Caller(role=None if kind == "anonymous" else kind))

    # Hypothesis steers away from small, exhausted branches (three roles) towards big ones (forged
    # tokens), and favours the first entries of a sampled list: an explicit list of kinds keeps
    # about six calls in ten signed in, so that most of them reach the handlers.
    kinds = ("customer", "agent", "admin", "forged", "customer", "agent", "admin", "anonymous", "forged", "admin")
    return st.sampled_from(kinds).flatmap(caller)
