"""Submit an HTML form as a browser without JavaScript would: what the markup says, nothing more.

:func:`form_fields` reads one ``<form>`` (by its ``action``) from a page and returns the fields a
browser would send if the person pressed the named submit button: hidden and text inputs,
*checked* checkboxes and radios, each select's selected option. Tests then change what a person
would change (untick a box, pick an option) and post the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Form:
    """The controls of one form, in document order."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    checkboxes: dict[tuple[str, str], bool] = field(default_factory=dict)
    selects: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def untick(self, name: str, value: str) -> None:
        assert (name, value) in self.checkboxes, f"no checkbox {name}={value} on the form"
        self.checkboxes[(name, value)] = False

    def pick(self, name: str, value: str) -> None:
        options = self.selects[name]
        assert any(v == value for v, _ in options), f"no option {value!r} in {name}"
        self.selects[name] = [(v, v == value) for v, _ in options]

    def fill(self, name: str, value: str) -> None:
        """Type ``value`` into the text input ``name``."""
        assert any(n == name for n, _ in self.fields), f"no field {name} on the form"
        self.fields = [(n, value if n == name else v) for n, v in self.fields]

    def options(self, name: str) -> list[str]:
        return [v for v, _ in self.selects[name]]

    def submission(self, button: tuple[str, str] | None = None) -> list[tuple[str, str]]:
        """What the browser posts when ``button`` (name, value) is pressed; None: a button
        without a name (it adds nothing)."""
        assert button is None or button in self.buttons, f"no button {button} on the form"
        sent = list(self.fields)
        sent += [key for key, on in self.checkboxes.items() if on]
        for name, options in self.selects.items():
            chosen = [v for v, selected in options if selected] or [options[0][0]]
            sent.append((name, chosen[0]))
        return [*sent, button] if button else sent


class _Reader(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.form: Form | None = None
        self.inside = False
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == self.action and self.form is None:
            self.form, self.inside = Form(), True
        if not self.inside or self.form is None:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                self.form.checkboxes[(name, a.get("value", "on"))] = "checked" in a
            elif kind == "submit":
                self.form.buttons.append((name, a.get("value", "")))
            else:
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = name
            self.form.selects[name] = []
        elif tag == "option" and self.select is not None:
            self.form.selects[self.select].append((a.get("value", ""), "selected" in a))
        elif tag == "button" and name:
            self.form.buttons.append((name, a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.inside = False


def form_fields(html: str, action: str) -> Form:
    """The form posting to ``action`` on the page."""
    reader = _Reader(action)
    reader.feed(html)
    assert reader.form is not None, f"no form posting to {action}"
    return reader.form
