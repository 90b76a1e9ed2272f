"""Sent after an import has been committed, with its ImportReport (`report`):
`report.kind`, `report.log` and `report.enterprise_ids`, the enterprises whose
facts changed. Follow-up work, such as a 免申即享 scan of those enterprises,
connects here; `zjtx import` prints its summary line after the receivers ran."""

from django.dispatch import Signal

import_finished = Signal()
