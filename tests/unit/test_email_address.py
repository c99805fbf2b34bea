"""The petition's e-mail address: read as pydantic's EmailStr reads it, plain ones faster."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, EmailStr, ValidationError

from schemas.base import EmailAddress


class _Fast(BaseModel):
    email: EmailAddress


class _Pydantic(BaseModel):
    email: EmailStr


def _read(model: type[BaseModel], value: str) -> str | list[tuple[str, str]]:
    """The address the model keeps, or its errors (type and message)."""
    try:
        read = model.model_validate({"email": value})
    except ValidationError as error:
        return [(e["type"], e["msg"]) for e in error.errors()]
    kept = read.model_dump()["email"]
    assert isinstance(kept, str)
    return kept


#: Near the plain shape and just outside it: each must be read as EmailStr reads it.
EDGES = [
    "zhang.san88@qq.com",
    "Zhang_San+tag@mail.example-host.cn",
    "a@b.co",
    "li-si@163.com",
    "ZHANG@QQ.COM",  # an upper-case domain is lower-cased
    "zhang@QQ.com",
    "Postmaster@gov.cn",  # a mailbox name email-validator writes in lower case
    "INFO@example.org",
    "info@example.org",
    "abuse@x.cn",
    "someone@localhost",  # special-use names and domains under them
    "someone@mail.test",
    "someone@test.cn",
    "someone@example.local",
    "someone@x.onion",
    "someone@1.2.3.in-addr.arpa",
    "someone@invalid",
    "someone@host",  # no dot
    "someone@host.123",  # a numeric top-level domain
    "someone@xn--fiqs8s.cn",  # Punycode is decoded
    "someone@ab--cd.cn",
    "someone@-host.cn",
    "someone@host-.cn",
    "someone@host..cn",
    "someone@host.cn.",
    ".zhang@qq.com",
    "zhang.@qq.com",
    "zhang..san@qq.com",
    "zhang@qq.com ",
    " zhang@qq.com",
    "Zhang San <zhang@qq.com>",
    "zhang@@qq.com",
    "zhang",
    "@qq.com",
    "zhang@",
    "张三@qq.com",
    "zhang@邮箱.中国",
    "zhang@ｑｑ.com",
    "ｚhang@qq.com",
    "zhang\n@qq.com",
    "zhang@qq.com\u200b",
    "a" * 64 + "@qq.com",
    "a" * 65 + "@qq.com",
    "a" * 50 + "@" + "b" * 9 + ".cn",
    "a@" + "b" * 64 + ".cn",
    "a@" + "b" * 63 + ".cn",
    "a@" + ".".join(["b" * 60] * 5) + ".cn",
    "x@" + "y" * 57 + ".com",
    "o'brien@qq.com",
    "zhang!x@qq.com",
]


@pytest.mark.parametrize("value", EDGES)
def test_an_address_is_read_as_email_str_reads_it(value: str) -> None:
    assert _read(_Fast, value) == _read(_Pydantic, value)


_LOCAL_CHARS = st.sampled_from("aZ09_+-.!'~%")
_DOMAIN_CHARS = st.sampled_from("az09-.AÉ")


@settings(max_examples=3000, deadline=None)
@given(
    st.text(_LOCAL_CHARS, min_size=0, max_size=20),
    st.text(_DOMAIN_CHARS, min_size=0, max_size=20),
    st.sampled_from(["", ".cn", ".com", ".test", ".localhost", ".c0", ".x"]),
)
@example("Info", "qq", ".com")
@example("zhang", "b.invalid", "")
def test_addresses_of_every_near_shape_are_read_as_email_str_reads_them(
    local: str, domain: str, tail: str
) -> None:
    value = f"{local}@{domain}{tail}"
    assert _read(_Fast, value) == _read(_Pydantic, value)
