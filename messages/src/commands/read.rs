//! `read`: move the reader's read watermark forward (and their delivered one with it).

use shared::amqp::HandleError;
use shared::chat::WatermarkCommand;

use super::Context;
use super::watermarks::{Watermark, advance};

pub(super) async fn apply(
    ctx: &mut Context<'_>,
    command: &WatermarkCommand,
) -> Result<(), HandleError> {
    advance(ctx, command, Watermark::Read).await
}
