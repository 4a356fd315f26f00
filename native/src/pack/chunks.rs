//! The content stream after the manifest: the zstd stream cut into chunks, each optionally
//! sealed with AES-GCM, each signed. Writing: `ChunkWriter` (an `io::Write` the zstd encoder
//! writes into). Reading: `ChunkSource` yields a chunk's plaintext only after its signature
//! and (when encrypted) its tag verified; `spawn_reader` runs it on its own thread so checking
//! and decrypting overlap decompression, and `PlainStream` is the `BufRead` the decoder reads.

use std::io::{self, BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;

use super::aead::ArchiveKey;
use super::error::{PackError, Result};
use super::format::{chunk_message, read_chunk, write_chunk, FLAG_LAST};
use super::sign::{verify, SigningKey};

/// Carry a PackError through an `io::Error` (the zstd encoder and decoder speak io).
pub fn to_io(e: PackError) -> io::Error {
    io::Error::other(e)
}

/// Get a PackError back out of an `io::Error`, if it carries one.
pub fn from_io(e: io::Error) -> std::result::Result<PackError, io::Error> {
    if e.get_ref().is_some_and(|inner| inner.is::<PackError>()) {
        let inner = e.into_inner().expect("checked: has an inner error");
        Ok(*inner
            .downcast::<PackError>()
            .expect("checked: is a PackError"))
    } else {
        Err(e)
    }
}

/// Cuts what is written into signed (and sealed) chunk records on `out`.
pub struct ChunkWriter<'k, W: Write> {
    out: W,
    signer: &'k SigningKey,
    key: Option<&'k ArchiveKey>,
    archive_id: [u8; 32],
    chunk_size: usize,
    buf: Vec<u8>,
    index: u64,
    /// Bytes written to `out` so far.
    pub written: u64,
}

impl<'k, W: Write> ChunkWriter<'k, W> {
    pub fn new(
        out: W,
        signer: &'k SigningKey,
        key: Option<&'k ArchiveKey>,
        archive_id: [u8; 32],
        chunk_size: u32,
    ) -> Self {
        ChunkWriter {
            out,
            signer,
            key,
            archive_id,
            chunk_size: chunk_size as usize,
            buf: Vec::with_capacity(chunk_size as usize + 16),
            index: 0,
            written: 0,
        }
    }

    fn emit(&mut self, last: bool) -> Result<()> {
        let flags = if last { FLAG_LAST } else { 0 };
        if let Some(key) = self.key {
            key.seal_chunk(self.index, last, &mut self.buf)?;
        }
        let sig = self.signer.sign(&chunk_message(
            &self.archive_id,
            self.index,
            flags,
            &self.buf,
        ));
        write_chunk(&mut self.out, flags, &self.buf, &sig)?;
        self.written += 1 + 4 + self.buf.len() as u64 + sig.len() as u64;
        self.index += 1;
        self.buf.clear();
        Ok(())
    }

    /// Write the last chunk (possibly empty) and hand back the output.
    pub fn finish(mut self) -> Result<(W, u64)> {
        self.emit(true)?;
        let written = self.written;
        Ok((self.out, written))
    }
}

impl<W: Write> Write for ChunkWriter<'_, W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.chunk_size - self.buf.len();
        let n = room.min(data.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == self.chunk_size {
            self.emit(false).map_err(to_io)?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Called with (chunk index, plaintext length) for each chunk handed on: the one place where
/// plaintext leaves the verifier (tests count what reaches the unpacker).
pub type PlaintextHook = Arc<dyn Fn(u64, usize) + Send + Sync>;

/// Reads chunk records and hands on verified plaintext.
pub struct ChunkSource<R: Read> {
    r: R,
    public_key: [u8; 32],
    key: Option<Arc<ArchiveKey>>,
    archive_id: [u8; 32],
    max_payload: u32,
    index: u64,
    done: bool,
    hook: Option<PlaintextHook>,
}

impl<R: Read> ChunkSource<R> {
    pub fn new(
        r: R,
        public_key: [u8; 32],
        key: Option<Arc<ArchiveKey>>,
        archive_id: [u8; 32],
        max_payload: u32,
        hook: Option<PlaintextHook>,
    ) -> Self {
        ChunkSource {
            r,
            public_key,
            key,
            archive_id,
            max_payload,
            index: 0,
            done: false,
            hook,
        }
    }

    /// The next chunk's plaintext; None once the last chunk was read and nothing follows it.
    pub fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let Some(rec) = read_chunk(&mut self.r, self.max_payload)? else {
            return Err(PackError::BadArchive(
                "archive is truncated: the content ends before its last chunk".into(),
            ));
        };
        let message = chunk_message(&self.archive_id, self.index, rec.flags, &rec.payload);
        if !verify(&self.public_key, &message, &rec.signature) {
            return Err(PackError::Tampered(format!(
                "content chunk {} has no valid signature (altered, reordered, cut or taken from another archive)",
                self.index
            )));
        }
        let last = rec.is_last();
        let mut payload = rec.payload;
        if let Some(key) = &self.key {
            key.open_chunk(self.index, last, &mut payload)?;
        }
        if last {
            let mut probe = [0u8; 1];
            loop {
                match self.r.read(&mut probe) {
                    Ok(0) => break,
                    Ok(_) => {
                        return Err(PackError::BadArchive(
                            "archive has data after its last chunk".into(),
                        ))
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(super::format::read_err("content")(e)),
                }
            }
            self.done = true;
        }
        if let Some(hook) = &self.hook {
            hook(self.index, payload.len());
        }
        self.index += 1;
        Ok(Some(payload))
    }
}

/// What the reader thread sends.
enum Msg {
    Chunk(Vec<u8>),
    End,
    Failed(PackError),
}

/// The verified plaintext, read on the decoder's side of the channel.
pub struct PlainStream {
    rx: Receiver<Msg>,
    cur: Vec<u8>,
    pos: usize,
    ended: bool,
    failed: Option<PackError>,
}

impl PlainStream {
    /// Whether the source reached its last chunk (and nothing follows it) and every byte was
    /// consumed.
    pub fn at_clean_end(&mut self) -> Result<bool> {
        Ok(self.fill()?.is_empty() && self.ended)
    }

    fn fill(&mut self) -> Result<&[u8]> {
        while self.pos == self.cur.len() && !self.ended {
            if let Some(e) = &self.failed {
                return Err(e.clone());
            }
            match self.rx.recv() {
                Ok(Msg::Chunk(chunk)) => {
                    self.cur = chunk;
                    self.pos = 0;
                }
                Ok(Msg::End) => self.ended = true,
                Ok(Msg::Failed(e)) => self.failed = Some(e),
                Err(_) => {
                    self.failed = Some(PackError::Core(crate::error::CoreError::new(
                        "EIO",
                        "the archive reader stopped unexpectedly",
                    )))
                }
            }
        }
        Ok(&self.cur[self.pos..])
    }
}

impl Read for PlainStream {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for PlainStream {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.fill().map_err(to_io)
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.cur.len());
    }
}

/// Run `source` on a scoped thread; the returned stream yields its plaintext. Up to `depth`
/// chunks are checked ahead of the decoder. The thread ends when the source ends or fails, or
/// when the stream is dropped.
pub fn spawn_reader<'scope, R: Read + Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    mut source: ChunkSource<R>,
    cancel: &'scope AtomicBool,
    depth: usize,
) -> PlainStream {
    let (tx, rx) = sync_channel::<Msg>(depth);
    scope.spawn(move || loop {
        let msg = if cancel.load(Ordering::Relaxed) {
            Msg::Failed(PackError::Canceled)
        } else {
            match source.next_chunk() {
                Ok(Some(chunk)) => Msg::Chunk(chunk),
                Ok(None) => Msg::End,
                Err(e) => Msg::Failed(e),
            }
        };
        let stop = !matches!(msg, Msg::Chunk(_));
        // A closed channel means the decoder stopped: nothing more is wanted.
        if tx.send(msg).is_err() || stop {
            return;
        }
    });
    PlainStream {
        rx,
        cur: Vec::new(),
        pos: 0,
        ended: false,
        failed: None,
    }
}
