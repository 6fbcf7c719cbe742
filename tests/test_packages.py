"""Content packages (phuxanh/network/packages.py): approved content of the city sent down to
three wards, each getting a draft on its own channel, drawn with its own brand kit and
carrying its own name and hotline; the fact and its source locked; approved by the ward's
own approvers, published once on each ward's page; declined with a reason; sent once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, col, select

from phuxanh import jobs, review
from phuxanh.compose import studio
from phuxanh.compose.items import edit_item
from phuxanh.core.errors import PermissionDenied, ValidationFailed
from phuxanh.core.settings import get_settings
from phuxanh.core.users import add_user, ensure_unit, get_unit
from phuxanh.media.cards import load_brand
from phuxanh.media.inputs import CardValues, computed
from phuxanh.media.stored import resolve
from phuxanh.media.templates import load_template
from phuxanh.models import (
    Asset,
    Channel,
    ContentItem,
    Fact,
    ItemStatus,
    ItemVersion,
    Package,
    PackageDelivery,
    Template,
)
from phuxanh.network import packages
from phuxanh.publish.channels import add_channel
from phuxanh.sandbox.server import SandboxServer
from tests.helpers import refused, run_cli, user

CITY = "ttdn-haiphong"
CITY_HOTLINE = "0225 3842 000"
# code, name, brand kit (None: the default), hotline, posting windows
WARDS = [
    ("phuong-ngo-quyen", "Phường Ngô Quyền", "don-vi-mau", "0225 3821 111", ["09:00-10:00"]),
    ("phuong-le-chan", "Phường Lê Chân", None, "0225 3855 222", []),
    ("phuong-hong-bang", "Phường Hồng Bàng", "don-vi-mau", "0225 3747 333", ["18:00-19:00"]),
]
NOW = dt.datetime(2026, 12, 1, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))


def _city_item(db_url: str, sandbox_url: str) -> int:
    """The wards and their channels on the sandbox, and an approved item of the city that
    shows a sourced fact on its card and names the city and its hotline in its caption."""
    with Session(jobs.engine(db_url)) as s:
        city = get_unit(s, code=CITY)
        city.hotline = CITY_HOTLINE
        s.add(city)
        for n, (code, name, brand, hotline, windows) in enumerate(WARDS):
            ward = ensure_unit(s, code=code, name=name, level="ward")
            ward.brand, ward.hotline = brand, hotline
            ward.parent_id = city.id  # wards below the city, as in the unit tree
            s.add(ward)
            add_user(s, username=f"{code}.bientap", unit_code=code, role="editor")
            add_user(s, username=f"{code}.duyet", unit_code=code, role="approver")
            channel = add_channel(
                s,
                platform="facebook",
                name=f"Trang {name}",
                account_id=f"20000000000000{n}",
                credential_env="PHUXANH_SANDBOX_TOKEN",
                api_base=sandbox_url,
                unit_code=code,
                code=f"fb-{code}",
                actor="admin",
            )
            channel.posting_windows = windows
            s.add(channel)
        item = next(
            i
            for i in s.exec(select(ContentItem).order_by(col(ContentItem.id)))
            if i.fact_ids and i.template_id and i.unit_id == city.id and not i.hold_reasons
        )
        editor = user(s, "lan.nguyen")
        edit_item(
            s,
            item=item,
            actor=editor,
            caption=f"{item.caption}\n\nLiên hệ: {city.name}, đường dây nóng {CITY_HOTLINE}.",
        )
        review.submit(s, item=item, actor=editor)
        review.approve(s, item=item, actor=user(s, "minh.tran"))
        assert item.status == ItemStatus.scheduled
        s.commit()
        assert item.id is not None
        return item.id


def _mean_colour(path: Path) -> tuple[float, float, float]:
    with Image.open(path) as image:
        patch = image.convert("RGB").crop((20, 300, 60, 340))
        pixels = list(patch.getdata())
    return tuple(sum(p[i] for p in pixels) / len(pixels) for i in range(3))  # type: ignore[return-value]


def _near(colour: tuple[float, float, float], hex_colour: str) -> float:
    want = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return sum(abs(a - b) for a, b in zip(colour, want, strict=True))


def test_a_package_reaches_three_wards_each_in_its_own_name(
    db_url: str, sandbox: SandboxServer, given_campaign: Callable[..., str]
) -> None:
    given_campaign(db_url, sandbox.public_url)
    source_id = _city_item(db_url, sandbox.public_url)
    settings = get_settings()
    tz = settings.tz
    with Session(jobs.engine(db_url)) as s:
        source = s.get(ContentItem, source_id)
        assert source is not None
        lan = user(s, "lan.nguyen")
        with pytest.raises(ValidationFailed, match=r"--lock: 'card\.nothing'"):
            packages.make_package(s, item=source, actor=lan, title="x", locked=["card.nothing"])
        package = packages.make_package(s, item=source, actor=lan, title="Tin tổng hợp tuần")
        assert package.locked == ["fact", "source"]
        wards = [get_unit(s, code=code) for code, *_ in WARDS]
        sent = packages.send(s, package=package, actor=lan, units=wards, now=NOW)
        assert len(sent.deliveries) == 3 and sent.skipped == []
        s.commit()
        package_id = package.id

        fact = s.get(Fact, source.fact_ids[0])
        assert fact is not None
        source_line = next(
            line for line in source.caption.splitlines() if line.startswith("Nguồn:")
        )
        items = {}
        for (code, name, brand_code, hotline, _), delivery in zip(
            WARDS, sent.deliveries, strict=True
        ):
            item = s.get(ContentItem, delivery.item_id)
            assert item is not None
            items[code] = item
            channel = s.exec(select(Channel).where(Channel.code == f"fb-{code}")).one()
            assert item.unit_id == delivery.unit_id and item.channel_ids == [channel.id]
            assert item.status == ItemStatus.draft and item.hold_reasons == []
            # the receiver's name and hotline where the city's were; the fact and source kept
            assert f"Liên hệ: {name}, đường dây nóng {hotline}." in item.caption
            assert CITY_HOTLINE not in item.caption
            assert source_line in item.caption.splitlines()
            assert item.fact_ids == source.fact_ids
            # drawn with the ward's brand kit (the default when it has none)
            brand = load_brand(settings.assets_dir, brand_code or settings.brand)
            asset = s.exec(select(Asset).where(Asset.content_item_id == item.id)).one()
            template = s.get(Template, item.template_id)
            assert template is not None and asset.template_code == template.code
            spec = load_template(settings.assets_dir, template.code)
            latest = review.latest_version(s, item)
            assert latest is not None and latest.card_values
            values = CardValues(latest.card_values, fact_ids=item.fact_ids)
            assert item.scheduled_at is not None
            day = item.scheduled_at.astimezone(tz).date()
            assert asset.input_sha256 == studio.input_digest(
                spec, values, brand, "vi", computed(spec, values, day)
            )
            card = resolve(item.media_path)
            assert card is not None and card.is_file()
            colour = _mean_colour(card)
            other = "ttdn-haiphong" if brand.code == "don-vi-mau" else "don-vi-mau"
            other_primary = load_brand(settings.assets_dir, other).colors["primary"]
            assert _near(colour, brand.colors["primary"]) < _near(colour, other_primary)
        # inside each channel's posting windows; with none, the next free full hour
        shown = {
            code: i.scheduled_at.astimezone(tz).strftime("%d/%m %H:%M")
            for code, i in items.items()
            if i.scheduled_at
        }
        assert shown == {
            "phuong-ngo-quyen": "01/12 09:00",
            "phuong-le-chan": "01/12 08:00",
            "phuong-hong-bang": "01/12 18:00",
        }

        ids = {code: i.id for code, i in items.items()}
        times = {code: i.scheduled_at for code, i in items.items()}
        # a unit receives a package once
        with pytest.raises(ValidationFailed, match=r"received package .* already"):
            packages.send(s, package=package, actor=lan, units=[wards[0]], now=NOW)

        # the ward edits its draft, but not the fact's source line
        ngo = items["phuong-ngo-quyen"]
        editor = user(s, "phuong-ngo-quyen.bientap")
        with pytest.raises(ValidationFailed, match="content package"):
            edit_item(s, item=ngo, actor=editor, caption="Khác hẳn")
        without = "\n".join(line for line in ngo.caption.splitlines() if line != source_line)
        with pytest.raises(ValidationFailed, match="is locked"):
            packages.edit_received(s, item=ngo, actor=editor, caption=without)
        changed = ngo.caption.replace(source_line, source_line + " (trích)")
        with pytest.raises(ValidationFailed, match="is locked"):
            packages.edit_received(s, item=ngo, actor=editor, caption=changed)
        assert fact.text_vi in ngo.caption
        with pytest.raises(ValidationFailed, match="is locked"):
            packages.edit_received(
                s, item=ngo, actor=editor, caption=ngo.caption.replace(fact.text_vi, "…")
            )
        png = Path(settings.assets_dir) / "brands" / "ttdn-haiphong-logo.png"
        with pytest.raises(ValidationFailed, match=r"--media: .* cannot be replaced"):
            packages.edit_received(s, item=ngo, actor=editor, media=png)
        added = f"Phường Ngô Quyền mời bà con cùng theo dõi.\n\n{ngo.caption}"
        packages.edit_received(s, item=ngo, actor=editor, caption=added)
        assert ngo.version == 2 and ngo.caption == added
        s.rollback()

    # each ward's own approver approves; the city's approver may not, although the wards are
    # below the city (a package draft is approved by the receiving unit: review.approve)
    with Session(jobs.engine(db_url)) as s:
        for code in ("phuong-ngo-quyen", "phuong-le-chan"):
            item = s.get(ContentItem, ids[code])
            assert item is not None
            review.submit(s, item=item, actor=user(s, f"{code}.bientap"))
            with pytest.raises(PermissionDenied, match="came in a content package"):
                review.approve(s, item=item, actor=user(s, "minh.tran"))
            review.approve(s, item=item, actor=user(s, f"{code}.duyet"))
            assert item.status == ItemStatus.scheduled
        hong = s.get(ContentItem, ids["phuong-hong-bang"])
        assert hong is not None
        delivery = s.exec(select(PackageDelivery).where(PackageDelivery.item_id == hong.id)).one()
        with pytest.raises(PermissionDenied, match="only the receiving unit"):
            packages.decline(s, delivery=delivery, actor=user(s, "minh.tran"), reason="x")
        with pytest.raises(ValidationFailed, match="--reason"):
            packages.decline(
                s, delivery=delivery, actor=user(s, "phuong-hong-bang.duyet"), reason=" "
            )
        packages.decline(
            s,
            delivery=delivery,
            actor=user(s, "phuong-hong-bang.duyet"),
            reason="Phường đã đăng bài cùng chủ đề hôm qua",
        )
        assert hong.status == ItemStatus.rejected
        s.commit()

    with Session(jobs.engine(db_url)) as s:
        package = s.get(Package, package_id)
        assert package is not None
        rows = {r.unit: r for r in packages.deliveries(s, package=package)}
        assert {c: r.state for c, r in rows.items()} == {
            "phuong-ngo-quyen": "approved",
            "phuong-le-chan": "approved",
            "phuong-hong-bang": "declined",
        }
        assert rows["phuong-hong-bang"].reason == "Phường đã đăng bài cùng chủ đề hôm qua"

    for when in sorted({times[c] for c in ("phuong-ngo-quyen", "phuong-le-chan")}):
        assert when is not None
        jobs.publish_due(now=when + dt.timedelta(minutes=1), database_url=db_url)
    for n, (code, name, _brand, hotline, _windows) in enumerate(WARDS):
        posts = sandbox.state.recent("facebook", f"20000000000000{n}")
        if code == "phuong-hong-bang":
            assert posts == []
            continue
        assert len(posts) == 1, code
        said = json.dumps(posts[0], ensure_ascii=False)
        assert name in said and hotline in said and CITY_HOTLINE not in said
    with Session(jobs.engine(db_url)) as s:
        package = s.get(Package, package_id)
        assert package is not None
        states = {r.unit: r.state for r in packages.deliveries(s, package=package)}
        assert states == {
            "phuong-ngo-quyen": "published",
            "phuong-le-chan": "published",
            "phuong-hong-bang": "declined",
        }


def test_package_commands(
    db_url: str, sandbox: SandboxServer, given_campaign: Callable[..., str], capsys
) -> None:
    given_campaign(db_url, sandbox.public_url)
    source_id = _city_item(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:  # a ward with no page yet is passed over
        ensure_unit(s, code="phuong-kenh-duong", name="Phường Kênh Dương", level="ward")
        s.commit()
    db = ["--database", db_url]
    code, out, err = run_cli(
        capsys,
        "package",
        "make",
        str(source_id),
        "--title",
        "Gói tin tuần",
        "--lock",
        "card.title",
        "--as",
        "lan.nguyen",
        *db,
    )
    assert code == 0, err
    package_id = out.split(":")[0].removeprefix("package ").strip()
    assert out.strip().endswith("(locked: fact, source, card.title)")
    code, out, err = run_cli(
        capsys, "package", "send", package_id, "--level", "ward", "--as", "lan.nguyen", *db
    )
    assert code == 0, err
    assert [line.split(":")[0] for line in out.strip().splitlines()] == [
        "phuong-hong-bang",
        "phuong-le-chan",
        "phuong-ngo-quyen",
    ]
    assert "passed over phuong-kenh-duong: it has no channel to post on" in err
    again = refused(
        capsys, "package", "send", package_id, "--unit", "phuong-le-chan", "--as", "lan.nguyen", *db
    )
    assert "--unit: phuong-le-chan: it received package" in again
    assert "--unit/--level" in refused(
        capsys, "package", "send", package_id, "--as", "lan.nguyen", *db
    )
    assert "--unit: no unit 'nowhere'" in refused(
        capsys, "package", "send", package_id, "--unit", "nowhere", "--as", "lan.nguyen", *db
    )
    code, out, err = run_cli(
        capsys,
        "package",
        "decline",
        package_id,
        "--unit",
        "phuong-le-chan",
        "--reason",
        "Trùng lịch đăng",
        "--as",
        "phuong-le-chan.bientap",
        *db,
    )
    assert code == 0, err
    assert "only the receiving unit declines" in refused(
        capsys,
        "package",
        "decline",
        package_id,
        "--unit",
        "phuong-ngo-quyen",
        "--reason",
        "x",
        "--as",
        "lan.nguyen",
        *db,
    )
    code, out, err = run_cli(capsys, "package", "status", package_id, "--json", *db)
    assert code == 0, err
    shown = json.loads(out)
    states = {u["unit"]: (u["state"], u["reason"]) for u in shown["units"]}
    assert states == {
        "phuong-hong-bang": ("received", None),
        "phuong-le-chan": ("declined", "Trùng lịch đăng"),
        "phuong-ngo-quyen": ("received", None),
    }
    item = next(u["item_id"] for u in shown["units"] if u["unit"] == "phuong-ngo-quyen")
    assert "package edit" in refused(
        capsys, "item", "edit", str(item), "--text", "Khác", "--as", "phuong-ngo-quyen.bientap", *db
    )
    assert "is locked" in refused(
        capsys,
        "package",
        "edit",
        str(item),
        "--text",
        "Khác",
        "--as",
        "phuong-ngo-quyen.bientap",
        *db,
    )
    # `package edit` is for what a package brought; the city's own item is not one
    assert (
        refused(
            capsys, "package", "edit", str(source_id), "--text", "Khác", "--as", "lan.nguyen", *db
        )
        == f"ITEM: item {source_id} did not come in a package; use phuxanh item edit"
    )
    # a title, note or reason is printed raw by `package status`: no escape codes
    assert (
        refused(
            capsys,
            "package",
            "decline",
            package_id,
            "--unit",
            "phuong-ngo-quyen",
            "--reason",
            "Trùng \x1b[2J lịch",
            "--as",
            "phuong-ngo-quyen.bientap",
            *db,
        )
        == "--reason: holds a control character (U+001B); write plain text"
    )


def test_a_received_draft_is_the_receiving_units_own(
    db_url: str, sandbox: SandboxServer, given_campaign: Callable[..., str]
) -> None:
    """A received draft is authored by a person of the receiving unit (its editor), never
    by the sender, so the unit's own four eyes apply: its editor submits and may not approve,
    its approver approves. Its link carries the receiving channel in its UTM parameters, not
    the sender's; a unit with nobody to author the draft is named, not given a sender's."""
    given_campaign(db_url, sandbox.public_url)
    source_id = _city_item(db_url, sandbox.public_url)
    with Session(jobs.engine(db_url)) as s:
        source = s.get(ContentItem, source_id)
        assert source is not None and source.link is not None
        # the city's draft links with the city's Page and campaign in its UTM parameters
        assert "utm_source=fb-ttdn-haiphong" in source.link
        assert "utm_campaign=demo-2026" in source.link
        assert source.link in source.caption
        lan = user(s, "lan.nguyen")
        package = packages.make_package(s, item=source, actor=lan, title="Tin tổng hợp tuần")
        wards = [get_unit(s, code=code) for code, *_ in WARDS]
        sent = packages.send(s, package=package, actor=lan, units=wards, now=NOW)
        s.commit()
        package_id = package.id
        for (code, *_), delivery in zip(WARDS, sent.deliveries, strict=True):
            item = s.get(ContentItem, delivery.item_id)
            assert item is not None and item.link is not None
            editor = user(s, f"{code}.bientap")
            assert item.author_id == editor.id != lan.id
            made = s.exec(select(ItemVersion).where(ItemVersion.content_item_id == item.id))
            assert [v.editor_id for v in made] == [editor.id]
            # the ward's own Page in utm_source; the package, not the city's campaign
            assert f"utm_source=fb-{code}" in item.link
            assert f"utm_campaign=package-{package_id}" in item.link
            assert "fb-ttdn-haiphong" not in item.link and "demo-2026" not in item.link
            assert item.link in item.caption and source.link not in item.caption
            for text in item.captions.values():
                assert "fb-ttdn-haiphong" not in text
        ngo = s.get(ContentItem, sent.deliveries[0].item_id)
        assert ngo is not None
        review.submit(s, item=ngo, actor=user(s, "phuong-ngo-quyen.bientap"))
        with pytest.raises(PermissionDenied):  # four eyes: the author does not approve
            review.approve(s, item=ngo, actor=user(s, "phuong-ngo-quyen.bientap"))
        review.approve(s, item=ngo, actor=user(s, "phuong-ngo-quyen.duyet"))
        assert ngo.status == ItemStatus.scheduled
        s.commit()

        # a ward with a Page but only an approver: nobody there can author its draft
        city = get_unit(s, code=CITY)
        lone = ensure_unit(s, code="phuong-do-son", name="Phường Đồ Sơn", level="ward")
        lone.parent_id = city.id
        add_user(s, username="phuong-do-son.duyet", unit_code="phuong-do-son", role="approver")
        add_channel(
            s,
            platform="facebook",
            name="Trang Phường Đồ Sơn",
            account_id="200000000000009",
            credential_env="PHUXANH_SANDBOX_TOKEN",
            api_base=sandbox.public_url,
            unit_code="phuong-do-son",
            code="fb-phuong-do-son",
            actor="admin",
        )
        s.commit()
        package = s.get(Package, package_id)
        assert package is not None
        with pytest.raises(ValidationFailed, match=r"phuong-do-son: it has no editor"):
            packages.send(s, package=package, actor=lan, units=[lone], now=NOW)
        s.rollback()
        package = s.get(Package, package_id)
        assert package is not None
        passed = packages.send(s, package=package, actor=lan, level="ward", now=NOW)
        assert passed.deliveries == []
        assert (
            "phuong-do-son: it has no editor to author its draft "
            "(phuxanh user add USER --unit phuong-do-son --role editor)"
        ) in passed.skipped
