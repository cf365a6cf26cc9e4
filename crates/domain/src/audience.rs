//! When a series takes questions from its audience.

use crate::{DomainError, SessionStatus};

/// Whether, and when, participants may propose questions for a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudienceQuestions {
    #[default]
    Off,
    /// From the moment a session is scheduled until it goes live.
    Before,
    /// While it is live.
    During,
    Both,
}

impl AudienceQuestions {
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        match text {
            "off" => Ok(AudienceQuestions::Off),
            "before" => Ok(AudienceQuestions::Before),
            "during" => Ok(AudienceQuestions::During),
            "both" => Ok(AudienceQuestions::Both),
            other => Err(DomainError::invalid(
                "audience_questions",
                format!("{other:?} is not one of off, before, during, both"),
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AudienceQuestions::Off => "off",
            AudienceQuestions::Before => "before",
            AudienceQuestions::During => "during",
            AudienceQuestions::Both => "both",
        }
    }

    /// Whether a session in `status` takes proposals.
    pub fn open_in(self, status: SessionStatus) -> bool {
        let before = matches!(status, SessionStatus::Scheduled | SessionStatus::Lobby);
        let during = status == SessionStatus::Live;
        match self {
            AudienceQuestions::Off => false,
            AudienceQuestions::Before => before,
            AudienceQuestions::During => during,
            AudienceQuestions::Both => before || during,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_opens_exactly_its_window() {
        use SessionStatus as S;
        let open =
            |setting: AudienceQuestions| -> Vec<S> { S::ALL.into_iter().filter(|s| setting.open_in(*s)).collect() };
        assert_eq!(open(AudienceQuestions::Off), vec![]);
        assert_eq!(open(AudienceQuestions::Before), vec![S::Scheduled, S::Lobby]);
        assert_eq!(open(AudienceQuestions::During), vec![S::Live]);
        assert_eq!(open(AudienceQuestions::Both), vec![S::Scheduled, S::Lobby, S::Live]);
        for setting in
            [AudienceQuestions::Off, AudienceQuestions::Before, AudienceQuestions::During, AudienceQuestions::Both]
        {
            assert_eq!(AudienceQuestions::parse(setting.as_str()), Ok(setting));
        }
        assert!(AudienceQuestions::parse("sometimes").is_err());
    }
}
