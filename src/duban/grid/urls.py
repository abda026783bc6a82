from django.urls import path

from . import views

app_name = "grid"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("c/<int:pk>/", views.community_map, name="community"),
    path("c/<int:pk>/save/", views.community_save_grid, name="save_grid"),
    path("c/<int:pk>/import/", views.community_import, name="import"),
    path("g/<int:pk>/", views.grid_page, name="grid"),
    path("g/<int:pk>/<slug:action>/", views.grid_action, name="grid_action"),
    path("patrol/", views.patrol_page, name="patrol"),
    path("concerns/", views.concern_list, name="concerns"),
    path("concerns/export.xlsx", views.concern_export, name="concern_export"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/<int:pk>/", views.concern_page, name="concern"),
    path("concerns/<int:pk>/<slug:action>/", views.concern_action, name="concern_action"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("review/", views.weekly_review, name="review"),
    path("public/", views.public_index, name="public_index"),
    path("public/g/<int:pk>/", views.public_grid, name="public_grid"),
    path("public/report/", views.public_report, name="public_report"),
    path("public/status/<str:token>/", views.public_status, name="public_status"),
]
