from django.urls import path

from . import views

app_name = "scoring"
urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("publish/", views.publish, name="publish"),
    path("units/<int:pk>/", views.unit_page, name="unit"),
    path("units/<int:pk>/export.xlsx", views.export_unit, name="export_unit"),
    path("entries/<int:pk>/counter/", views.counter, name="counter"),
    path("facts/", views.facts, name="facts"),
    path("whatif/", views.whatif, name="whatif"),
    path("policy/", views.policy_page, name="policy"),
    path("export.xlsx", views.export_ranking, name="export_ranking"),
]
