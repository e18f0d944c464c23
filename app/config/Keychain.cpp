#include "config/Keychain.h"

#include <qt6keychain/keychain.h>

namespace loft {

Keychain::Keychain(const QString &service, QObject *parent) : QObject(parent), service_(service) {}

void Keychain::writeSecret(const QString &key, const QString &secret, WriteDone done)
{
    auto *job = new QKeychain::WritePasswordJob(service_, this);
    job->setKey(key);
    job->setInsecureFallback(false); // never a plain-text file instead of the keychain
    job->setTextData(secret);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *j) {
        if (done)
            done(j->error() == QKeychain::NoError, j->errorString());
    });
    job->start();
}

void Keychain::readSecret(const QString &key, ReadDone done)
{
    auto *job = new QKeychain::ReadPasswordJob(service_, this);
    job->setKey(key);
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *j) {
        auto *read = static_cast<QKeychain::ReadPasswordJob *>(j);
        if (read->error() == QKeychain::NoError)
            done(true, read->textData(), QString());
        else if (read->error() == QKeychain::EntryNotFound)
            done(false, QString(), QString());
        else
            done(false, QString(), read->errorString());
    });
    job->start();
}

void Keychain::deleteSecret(const QString &key, WriteDone done)
{
    auto *job = new QKeychain::DeletePasswordJob(service_, this);
    job->setKey(key);
    job->setInsecureFallback(false);
    connect(job, &QKeychain::Job::finished, this, [done = std::move(done)](QKeychain::Job *j) {
        if (done)
            done(j->error() == QKeychain::NoError || j->error() == QKeychain::EntryNotFound,
                 j->errorString());
    });
    job->start();
}

} // namespace loft
