from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from duban.api.main import api

urlpatterns = [
    path("", include("duban.web.urls")),
    path("items/", include("duban.items.urls")),
    path("org/", include("duban.org.urls")),
    path("urging/", include("duban.urging.urls")),
    path("calendar/", include("duban.workcal.urls")),
    path("documents/", include("duban.documents.urls")),
    path("grid/", include("duban.grid.urls")),
    path("open311/", include("duban.grid.open311_urls")),
    path("scoring/", include("duban.scoring.urls")),
    path("accounts/", include("duban.accounts.urls")),
    path("inspections/", include("duban.inspections.urls")),
    path("accountability/", include("duban.accountability.urls")),
    path("api/", api.urls),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
