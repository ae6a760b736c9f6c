"""Answers that hand over a file: the content type and the header that names the file."""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from core.spreadsheets import XLSX_CONTENT_TYPE


def file_response(
    content: bytes, filename: str, *, content_type: str, attachment: bool = True
) -> HttpResponse:
    """``attachment`` saves the file; otherwise the browser shows it (a QR image, say)."""
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(attachment, filename)
    if disposition:  # None only for an inline answer without a filename
        response["Content-Disposition"] = disposition
    return response


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    return file_response(content, filename, content_type=XLSX_CONTENT_TYPE)
