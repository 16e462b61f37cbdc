from django.tasks import task

from carepack.volume.processing import process_batch


@task()
def process_upload(batch_id: int) -> str:
    return process_batch(batch_id)
