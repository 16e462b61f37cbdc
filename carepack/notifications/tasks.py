from django.tasks import task

from carepack.notifications.services import deliver


@task()
def send_email(email_id: int) -> str:
    return deliver(email_id)
