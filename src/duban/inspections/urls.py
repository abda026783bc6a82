from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.create, name="create"),
    path("pools/", views.pools, name="pools"),
    path("lists/", views.ledger, name="ledger"),
    path("lists/<slug:which>.xlsx", views.export, name="export"),
    path("entries/<int:pk>/", views.entry_page, name="entry"),
    path("entries/<int:pk>/<slug:action>/", views.entry_action, name="entry_action"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.inspection_action, name="action"),
]
