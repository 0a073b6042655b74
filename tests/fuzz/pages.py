"""Reads the POST forms of a rendered page: their action, their fields and the CSRF token,
so that the fuzz suite can post to every form the matrix's views show."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

# The CSRF token is not fuzzed (a wrong token is a 403, tested elsewhere); named submit
# buttons are fields of kind "submit" (a browser sends the one that was pressed).
_SKIPPED_TYPES = {"button", "reset", "image", "file"}


@dataclass
class Field:
    name: str
    kind: str  # text, email, number, date, datetime-local, time, checkbox, radio, select, ...
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    checked: bool = False
    required: bool = False


@dataclass
class Form:
    action: str
    fields: dict[str, Field] = field(default_factory=dict)
    csrf: str = ""

    def defaults(self) -> dict[str, list[str]]:
        """What a browser would send unchanged: values, the selected or first option, and
        the checked boxes."""
        data: dict[str, list[str]] = {}
        for f in self.fields.values():
            if f.kind == "submit":
                continue
            if f.kind in {"checkbox", "radio"}:
                if f.checked:
                    data.setdefault(f.name, []).append(f.value or "on")
            elif f.kind == "select":
                if f.value:
                    data[f.name] = [f.value]
                elif f.options and not f.multiple:
                    data[f.name] = [f.options[0]]
            else:
                data[f.name] = [f.value]
        return data


class _Parser(HTMLParser):
    def __init__(self, page_url: str, method: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.method = method
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: str | None = None
        self._textarea: Field | None = None
        self._outside: dict[str, list[tuple[str, dict[str, str]]]] = {}

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        if tag == "form":
            if attrs.get("method", "get").lower() == self.method:
                self._form = Form(action=attrs.get("action") or self.page_url)
            return
        form = self._form
        if form is None:
            return
        name = attrs.get("name", "")
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if name == "csrfmiddlewaretoken":
                form.csrf = attrs.get("value", "")
            elif kind not in _SKIPPED_TYPES:
                self._add(form, name, kind, attrs)
        elif tag == "button" and name and attrs.get("type", "submit").lower() == "submit":
            self._add(form, name, "submit", attrs)
        elif tag == "textarea" and name:
            self._textarea = self._add(form, name, "textarea", attrs)
        elif tag == "select" and name:
            self._select = self._add(form, name, "select", attrs)
            self._select.multiple = "multiple" in attrs
        elif tag == "option" and self._select is not None:
            self._option = attrs.get("value")
            if self._option is not None:
                self._select.options.append(self._option)
                if "selected" in attrs and not self._select.value:
                    self._select.value = self._option

    def _add(self, form: Form, name: str, kind: str, attrs: dict[str, str]) -> Field:
        known = form.fields.get(name)
        if known is not None and kind == "submit":
            known.options.append(attrs.get("value", ""))
            return known
        if known is not None and kind in {"checkbox", "radio"}:
            # One name, several boxes: each value is an option.
            known.options.append(attrs.get("value", "on"))
            if "checked" in attrs:
                known.checked = True
                known.value = known.value or attrs.get("value", "on")
            return known
        f = Field(
            name=name,
            kind=kind,
            value=attrs.get("value", "") if kind not in {"checkbox", "radio"} else "",
            required="required" in attrs,
        )
        if kind == "submit":
            f.options.append(attrs.get("value", ""))
        if kind in {"checkbox", "radio"}:
            f.options.append(attrs.get("value", "on"))
            if "checked" in attrs:
                f.checked = True
                f.value = attrs.get("value", "on")
        form.fields[name] = f
        return f

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None and self._option is None and data.strip():
            pass

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
            self._textarea = None
        elif tag == "option":
            self._option = None


def post_forms(html: str, page_url: str) -> list[Form]:
    return _forms(html, page_url, "post")


def get_forms(html: str, page_url: str) -> list[Form]:
    """Search and filter forms (their query string is fuzzed like a POST form's body)."""
    return _forms(html, page_url, "get")


def _forms(html: str, page_url: str, method: str) -> list[Form]:
    parser = _Parser(page_url, method)
    parser.feed(html)
    parser.close()
    return parser.forms
