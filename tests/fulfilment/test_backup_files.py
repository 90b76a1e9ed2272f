"""A backup carries the uploaded evidence and restores each user's permissions
exactly, on a database whose content types and permissions have other pks."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import shutil
import tarfile

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.db import transaction

from tests.applications.conftest import PDF, PNG, upload
from tests.registry.factories import make_uscc
from zjtx.accounts.models import Role
from zjtx.applications.models import Attachment
from zjtx.fulfilment.backup import BackupError, backup, restore
from zjtx.registry.models import Enterprise, Investor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def renumber_content_types_and_permissions():
    """What a database that grew differently looks like: every content type and
    permission under another pk (and in the reverse order) than a fresh one gives."""
    cts = list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))
    perms = list(Permission.objects.order_by("pk").values_list("name", "codename", "content_type_id"))
    with transaction.atomic():
        Permission.objects.all().delete()
        ContentType.objects.all().delete()
        new_pk = {}
        for i, (pk, app_label, model) in enumerate(reversed(cts)):
            new_pk[pk] = 5000 + i
            ContentType.objects.create(pk=5000 + i, app_label=app_label, model=model)
        Permission.objects.bulk_create(
            Permission(pk=10000 + i, name=name, codename=codename, content_type_id=new_pk[ct])
            for i, (name, codename, ct) in enumerate(reversed(perms)))
    ContentType.objects.clear_cache()


def evidence(client, world, make_user) -> Attachment:
    """An investor's application with two evidence files, uploaded through the page."""
    fund = Investor.objects.create(name="洛阳某创业投资基金合伙企业（有限合伙）", kind="private_fund",
                                   uscc=make_uscc("410300"))
    client.force_login(make_user("investor", Role.INVESTOR, investor=fund))
    r = client.post("/applications/new/", {
        "target_uscc": world["jx"].uscc, "vehicle": "direct", "round": "A轮", "tranche": "1",
        "paid_in": "20000000.00", "paid_in_date": "2024-05-10",
        "files": [upload(), upload("验资报告.png", PNG, "image/png")]})
    assert r.status_code == 302, r.content.decode()[:2000]
    return Attachment.objects.order_by("pk")


def perms_of(user) -> set[str]:
    user = get_user_model().objects.get(pk=user.pk)  # no cached permissions
    return user.get_all_permissions()


def test_backup_restores_the_evidence_files_and_exactly_each_users_permissions(
        client, world, make_user, media, tmp_path):
    renumber_content_types_and_permissions()
    officer = world["jinrong"]
    officer.user_permissions.add(Permission.objects.get(codename="view_claim"))
    auditors = Group.objects.create(name="审计")
    auditors.permissions.add(Permission.objects.get(codename="view_payment"))
    officer.groups.add(auditors)
    assert perms_of(officer) == {"fulfilment.view_claim", "fulfilment.view_payment"}
    before_pks = set(Permission.objects.values_list("pk", flat=True))
    pdf, png = evidence(client, world, make_user)
    stored = {a.file.name: (media / a.file.name).read_bytes() for a in (pdf, png)}
    assert stored[pdf.file.name] == PDF and hashlib.sha256(PDF).hexdigest() == pdf.sha256

    path = tmp_path / "zjtx-backup.tar.gz"
    written = backup(str(path))
    assert written > 0 and written.files == 2 and written.missing == []

    # wipe: the files gone, the registry damaged, the officer's permissions changed
    shutil.rmtree(media)
    Enterprise.objects.filter(pk=world["xa"].pk).update(name="改坏的名称")
    officer.user_permissions.set([Permission.objects.get(codename="delete_user")])

    restored = restore(str(path))
    assert restored.files == 2
    for name, content in stored.items():
        assert (media / name).read_bytes() == content
    # the restored database numbers its permissions itself (fresh, from migrate) ...
    assert not before_pks & set(Permission.objects.values_list("pk", flat=True))
    # ... and the officer has exactly the permissions backed up, by what they are
    assert perms_of(officer) == {"fulfilment.view_claim", "fulfilment.view_payment"}
    assert set(Group.objects.get(name="审计").permissions.values_list("codename", flat=True)) == {"view_payment"}
    assert Enterprise.objects.get(pk=world["xa"].pk).name == "新安某精密机械有限公司"
    # the evidence is served again through the checked view
    client.force_login(get_user_model().objects.get(username="investor"))
    r = client.get(f"/applications/attachments/{pdf.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == PDF


def test_the_backup_command_reports_the_files(client, world, make_user, media, tmp_path):
    evidence(client, world, make_user)
    out = io.StringIO()
    call_command("backup", str(tmp_path / "b.tar.gz"), stdout=out)
    assert out.getvalue().startswith("backup: ") and "2 files written" in out.getvalue()


def rewrite(path, *, manifest=None, member=None):
    """The backup at PATH with its manifest changed by MANIFEST(dict) or a member's
    bytes by MEMBER(name, bytes) -> bytes."""
    with tarfile.open(path, "r:gz") as tar:
        items = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]
    bad = path.with_name("bad.tar.gz")
    with tarfile.open(bad, "w:gz") as tar:
        for m, data in items:
            if m.name == "manifest.json" and manifest:
                data = json.dumps(manifest(json.loads(data))).encode()
            if member:
                data = member(m.name, data)
            m.size = len(data)
            tar.addfile(m, io.BytesIO(data))
    return bad


def test_a_damaged_file_or_an_unsafe_path_is_refused_before_anything_changes(
        client, world, make_user, media, tmp_path):
    evidence(client, world, make_user)
    path = tmp_path / "b.tar.gz"
    backup(str(path))
    names = sorted(Enterprise.objects.values_list("name", flat=True))

    def flip(name, data):
        return data[:-1] + b"X" if name.startswith("media/") and name.endswith(".pdf") else data

    with pytest.raises(BackupError, match="SHA-256"):
        restore(str(rewrite(path, member=flip)))

    def escape(manifest):
        manifest["files"][0]["path"] = "../../outside.pdf"
        return manifest

    with pytest.raises(BackupError, match="不安全"):
        restore(str(rewrite(path, manifest=escape)))
    assert not (tmp_path / "outside.pdf").exists() and not (media.parent.parent / "outside.pdf").exists()
    assert sorted(Enterprise.objects.values_list("name", flat=True)) == names
    assert not [p for p in media.iterdir() if p.name.startswith(".restore-")]


def test_a_backup_of_the_earlier_format_still_restores(world, tmp_path):
    """gzip'd JSON of every row but content types, sessions and the admin's log."""
    from django.apps import apps

    skip = {"contenttypes", "sessions", "admin"}
    objects = [obj for m in apps.get_models() if m._meta.app_label not in skip and not m._meta.proxy
               for obj in m._default_manager.order_by("pk")]
    path = tmp_path / "old.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        serializers.serialize("json", objects, stream=f)
    Enterprise.objects.filter(pk=world["xa"].pk).update(name="改坏的名称")
    assert restore(str(path)) > 0
    assert Enterprise.objects.get(pk=world["xa"].pk).name == "新安某精密机械有限公司"
