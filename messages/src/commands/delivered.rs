//! `delivered`: a device of the caller has received everything up to a seq.

use shared::amqp::HandleError;
use shared::chat::WatermarkCommand;

use super::Context;
use super::watermarks::{Watermark, advance};

pub(super) async fn apply(
    ctx: &mut Context<'_>,
    command: &WatermarkCommand,
) -> Result<(), HandleError> {
    advance(ctx, command, Watermark::Delivered).await
}
