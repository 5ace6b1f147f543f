"""Who may do what in the API: reads for everyone, writes for editors with the model's permissions."""

from __future__ import annotations

from rest_framework.permissions import DjangoModelPermissionsOrAnonReadOnly


class ModelPermissionsOrAnonReadOnly(DjangoModelPermissionsOrAnonReadOnly):
    """DRF's DjangoModelPermissionsOrAnonReadOnly, finding the model without building the view's queryset.

    DRF asks the view for its whole queryset (filters, prefetches) only to read its model, on every request.
    """

    def _queryset(self, view):
        queryset = getattr(view, "queryset", None)
        return queryset if queryset is not None else super()._queryset(view)
