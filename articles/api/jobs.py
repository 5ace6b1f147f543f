"""The editors' re-extraction jobs API: POST a selection to start a job, GET it to follow its progress."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from articles import services
from articles.models import Job


class EditorsOnly(permissions.DjangoModelPermissions):
    """Jobs are the editors' business: reading them needs the view permission, starting one the add permission."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.get_username", default=None, read_only=True)
    progress = serializers.SerializerMethodField(help_text="Share of the articles finished (done or failed), 0 to 1.")
    url = serializers.HyperlinkedIdentityField(view_name="job-detail")

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "selection",
            "status",
            "total",
            "done",
            "failed",
            "progress",
            "failures",
            "extractor_version",
            "created_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, job: Job) -> float:
        return round((job.done + job.failed) / job.total, 4) if job.total else 1.0


class JobCreateSerializer(serializers.Serializer):
    """Exactly one selection: all, stale, source, story, articles, or a published date range."""

    all = serializers.BooleanField(required=False, default=False)
    stale = serializers.BooleanField(required=False, default=False, help_text="Articles an older extractor read.")
    source = serializers.SlugField(required=False, help_text="An outlet's slug.")
    story = serializers.SlugField(required=False, help_text="A story's slug.")
    articles = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=False)
    published_from = serializers.DateField(required=False)
    published_to = serializers.DateField(required=False)


class JobPagination(CursorPagination):
    ordering = "-id"
    page_size = 50


class JobViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Re-extraction jobs, newest first. POST a selection to start one; it runs on the Celery workers."""

    queryset = Job.objects.select_related("created_by")
    serializer_class = JobSerializer
    permission_classes = [permissions.IsAuthenticated, EditorsOnly]
    pagination_class = JobPagination
    filterset_fields = ["status"]

    def get_serializer_class(self):
        return JobCreateSerializer if self.action == "create" else JobSerializer

    @extend_schema(request=JobCreateSerializer, responses={201: JobSerializer})
    def create(self, request, *args, **kwargs):
        given = JobCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            job = services.job_create(selection=given.validated_data, user=request.user)
        except services.SelectionError as exc:
            raise serializers.ValidationError({"selection": [str(exc)]}) from exc
        job.refresh_from_db()  # without a broker the job ran in-process already
        body = JobSerializer(job, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})
