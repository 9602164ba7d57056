"""The dispatch board (office): technicians' days, appointments and the tray of waiting orders.
Moves on the board go through POST /orders/{order_id}/assign (and, for a request, a move to the
step that confirms it), checked by the same rules as any booking."""
from chalice import Blueprint

from chalicelib.core import clock
from chalicelib.dispatch import board
from chalicelib.routes.edge import json_response, query, staff_route
from chalicelib.staff.auth import OFFICE

bp = Blueprint(__name__)


@staff_route(bp, "/board", OFFICE)
def get_board(principal):
    return json_response(board.board(query(bp), clock.now()))
