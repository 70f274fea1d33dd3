"""`print`: a record's paper form or letter, as an A4 PDF or an HTML page (wuyectl/cli/forms)."""
from __future__ import annotations

import click

from ... import i18n
from ...i18n import _
from .. import completion
from ..options import actor_name, global_options, lang, office


class PrintCommand(click.Command):
    """Its help ends with the forms of each kind, from the kinds' declarations."""

    def format_epilog(self, ctx, formatter):
        from ...domain.kinds import KINDS

        language = "zh" if i18n.language() == "zh" else "en"   # the help's language (--lang anywhere)
        rows = []
        for kind in KINDS.values():
            for number, (name, form) in enumerate(kind.forms.items()):
                title = form.title[0] if language == "zh" else form.title[1]
                rows.append((f"{kind.name} ({kind.id_form})" if number == 0 else "", f"{name}: {title}"))
        if rows:
            with formatter.section(_("Forms")):
                formatter.write_dl(rows)
        super().format_epilog(ctx, formatter)


def _form_names(ctx, param, incomplete):
    """Tab completion of --form: the forms of the ID's kind (of every kind before an ID)."""
    from click.shell_completion import CompletionItem

    from ...domain.kinds import KINDS

    kinds = list(KINDS.values())
    typed = ctx.params.get("record_id")
    if typed:
        kinds = [k for k in kinds if k.id_re.fullmatch(str(typed))] or kinds
    names = dict.fromkeys(name for k in kinds for name in k.forms)
    return [CompletionItem(name) for name in names if name.startswith(incomplete)]


@click.command("print", cls=PrintCommand)
@click.argument("record_id", metavar="ID", shell_complete=completion.record_ids(any_kind=True))
@click.option("--form", "form_name", default=None, metavar="NAME", shell_complete=_form_names,
              help="Which form (see the list below; default: the kind's first, or a violation's letter for its step).")
@click.option("-o", "--output", "path", required=True, metavar="FILE.pdf|FILE.html",
              help="The file to write: .pdf (A4, the font embedded) or .html (the same content).")
@click.option("--reveal", is_flag=True, help="Print phone and ID-card numbers unmasked (permitted roles only).")
@global_options
def print_(record_id, form_name, path, reveal):
    """Print a record's paper form, filled in: the office's name and the record's ID on every
    page (to match a signed scan back to its record), its fields in boxes, signature and date
    boxes, page numbers. A ticket's 服务及回访记录表 and 维修派工单, an archive item's
    文件借阅登记表 and 过期文件处理登记表, a violation's 整改通知书 and the fee ladder's letters,
    a decoration permit, a goods-release pass. Personal numbers are masked as `show` masks
    them. The file is written whole or not at all."""
    from .. import forms as printing

    suffix = printing.suffix_of(path)
    the_office = office()
    if reveal:
        from ...app.office import check_reveal

        check_reveal(the_office, actor_name())
    _name, doc = printing.document(the_office, record_id, form_name, lang(), actor=actor_name(), reveal=reveal)
    content, warnings = printing.render(doc, suffix)
    printing.write(path, content)
    for line in warnings:
        click.echo(_("wuyectl: warning: {message}").format(message=line), err=True)
    click.echo(path)


COMMANDS = [print_]
