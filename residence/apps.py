from django.apps import AppConfig


class ResidenceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "residence"

    def ready(self):
        from residence import signals  # noqa: F401
