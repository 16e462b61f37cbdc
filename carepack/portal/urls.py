from django.urls import path

from carepack.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    # The link in the activation e-mail (orders.services.activation_url).
    path("activate/", views.activate, name="activate"),
    path("orders/", views.switch, name="switch"),
    path("signout/", views.signout, name="signout"),
    path("order/<uuid:public_id>/", views.order_page, name="order"),
    path("order/<uuid:public_id>/register/", views.register, name="register"),
    path(
        "order/<uuid:public_id>/register/packs/",
        views.register_packs,
        name="register_packs",
    ),
    path(
        "order/<uuid:public_id>/confirmation/<uuid:submission_id>/",
        views.confirmation,
        name="confirmation",
    ),
]
